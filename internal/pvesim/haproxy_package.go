package pvesim

import (
	"io/fs"
	"path"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/vfs"
)

// Alpine's haproxy, main repository (pkgs.alpinelinux.org, checked
// November 2026): v3.21 haproxy 3.0.17-r0, v3.22 haproxy 3.2.13-r0. aports'
// main/haproxy/APKBUILD installs /usr/sbin/haproxy and its example
// /etc/haproxy/haproxy.cfg, and puts haproxy.initd in the haproxy-openrc
// subpackage, which apk adds with it on a system that has openrc (its
// install_if), as every Alpine template has; the simulator models that as
// a dependency, as it does docker-openrc.
var haproxyVersions = map[string]string{"v3.21": "3.0.17-r0", "v3.22": "3.2.13-r0"}

const (
	haproxyBinary   = "/usr/sbin/haproxy"
	haproxyConfFile = "/etc/haproxy/haproxy.cfg"
	haproxyInitd    = "/etc/init.d/haproxy"
	haproxyPIDFile  = "/run/haproxy.pid" // haproxy.initd's /var/run/${SVCNAME}.pid; /var/run is /run
	// haproxyLoadedFile is the running process's memory: the configuration
	// it loaded at its start or last reload. It lives in /run, a tmpfs, so
	// a halt forgets it as it stops the process.
	haproxyLoadedFile = "/run/.simulator/haproxy.loaded.cfg"
)

// haproxyPackage is the haproxy package of an Alpine branch.
func haproxyPackage(branch string) distroPackage {
	return distroPackage{Version: haproxyVersions[branch], Files: []string{haproxyBinary, haproxyConfFile},
		Depends: []string{"haproxy-openrc"}}
}

func haproxyOpenRCPackage(branch string) distroPackage {
	return distroPackage{Version: haproxyVersions[branch], Files: []string{haproxyInitd}}
}

// haproxyDefaultConfig is the example configuration the package ships
// (aports main/haproxy/haproxy.cfg): a frontend that names its address on
// its section line, as haproxy 1.4 allowed. haproxy 3.x refuses that line
// ("please use the 'bind' keyword"), so the service does not start until
// the file is replaced, as on a real Alpine system.
const haproxyDefaultConfig = `global
    log         127.0.0.1 local2
    chroot      /var/lib/haproxy
    pidfile     /var/run/haproxy.pid
    maxconn     4000
    user        haproxy
    group       haproxy
    daemon
    stats socket /var/lib/haproxy/stats

defaults
    mode                    http
    log                     global
    option                  httplog
    option                  dontlognull
    option http-server-close
    option forwardfor       except 127.0.0.0/8
    option                  redispatch
    retries                 3
    timeout http-request    10s
    timeout queue           1m
    timeout connect         10s
    timeout client          1m
    timeout server          1m
    timeout http-keep-alive 10s
    timeout check           10s
    maxconn                 3000

frontend  main *:5000
    acl url_static       path_beg       -i /static /images /javascript /stylesheets
    acl url_static       path_end       -i .jpg .gif .png .css .js
    use_backend static          if url_static
    default_backend             app

backend static
    balance     roundrobin
    server      static 127.0.0.1:4331 check

backend app
    balance     roundrobin
    server  app1 127.0.0.1:5001 check
    server  app2 127.0.0.1:5002 check
`

// haproxyInitScript stands for haproxy.initd: what its commands do is
// modelled by haproxyService (haproxy_service.go).
const haproxyInitScript = "#!/sbin/openrc-run\n# simulated: extra_commands=\"checkconfig\" extra_started_commands=\"reload\"\n" +
	"command=/usr/sbin/haproxy\nCONFFILE=/etc/haproxy/${SVCNAME}.cfg\nPIDFILE=/var/run/${SVCNAME}.pid\n"

// writePackagedFile writes the files whose content matters (haproxy's
// configuration and init script) and reports whether it did. apk keeps a
// configuration file that is already there (it writes the packaged one as
// .apk-new beside it).
func writePackagedFile(t *vfs.Tree, f string) bool {
	var data string
	mode := fs.FileMode(0o644)
	switch f {
	case haproxyConfFile:
		data = haproxyDefaultConfig
		if _, err := t.Stat(f); err == nil {
			f += ".apk-new"
		}
	case haproxyInitd:
		data, mode = haproxyInitScript, 0o755
	default:
		return false
	}
	_ = t.MkdirAll(path.Dir(f), 0o755)
	_ = t.WriteFile(f, []byte(data), mode)
	return true
}
