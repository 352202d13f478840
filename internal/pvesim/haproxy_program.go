package pvesim

import (
	"fmt"
	"io"
	"strings"
	"sync/atomic"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// The haproxy program of the simulated containers: -v/-vv, and -c (check a
// configuration) as haproxy 3.0/3.2 print them (src/haproxy.c
// display_version and the MODE_CHECK exit, src/errors.c print_message).
// Starting the daemon is the service's job (haproxy_service.go).

// haproxyVersion is what haproxy -v names: the upstream release of the
// package, with a sub-version (the release tarball's SUBVERS) and date of
// the simulator's own.
func haproxyVersion(pkg string) (version, date, status string) {
	upstream, _, _ := strings.Cut(pkg, "-r")
	status = "Status: long-term supported branch - will stop receiving fixes around Q2 2030." // 3.2's version.h
	if strings.HasPrefix(upstream, "3.0.") {
		status = "Status: long-term supported branch - will stop receiving fixes around Q2 2029."
	}
	return upstream + "-5f3b1e4", "2026/02/19", status
}

// haproxyPIDs number the simulated processes for the (PID) of messages.
var haproxyPIDs atomic.Int64

func (s *Simulator) haproxyProgram(d *distro) shell.Program {
	return func(c *shell.Call) int {
		pkgVersion := haproxyVersions[d.Branch]
		var files []string
		check, quiet, verbose := false, false, false
		args := c.Args[1:]
		for i := 0; i < len(args); i++ {
			switch a := args[i]; a {
			case "-v", "-vv":
				s.haproxyShowVersion(c, pkgVersion, a == "-vv")
				return 0
			case "-c":
				check = true
			case "-q":
				quiet = true
			case "-V":
				verbose = true
			case "-f":
				if i+1 < len(args) {
					i++
					files = append(files, c.Abs(args[i]))
				}
			}
		}
		if !check || len(files) == 0 {
			if len(files) == 0 {
				s.haproxyShowVersion(c, pkgVersion, false)
				fmt.Fprintf(c.Stderr, "Usage : haproxy [-f <cfgfile|cfgdir>]* [ -vdVD ] [ -n <maxconn> ] [ -N <maxpconn> ]\n")
				return 1
			}
			return c.Errorf("the simulated haproxy runs as a service: use rc-service haproxy start")
		}
		out := haproxyOutput{w: c.Stderr, pid: 1000 + int(haproxyPIDs.Add(1)), version: pkgVersion, quiet: quiet && !verbose}
		return haproxyCheckFile(c, out, files[0], verbose)
	}
}

func (s *Simulator) haproxyShowVersion(c *shell.Call, pkgVersion string, build bool) {
	v, date, status := haproxyVersion(pkgVersion)
	rel := s.rel()
	fmt.Fprintf(c.Stdout, "HAProxy version %s %s - https://haproxy.org/\n%s\n", v, date, status)
	base, _, _ := strings.Cut(v, "-")
	fmt.Fprintf(c.Stdout, "Known bugs: http://www.haproxy.org/bugs/bugs-%s.html\n", base)
	fmt.Fprintf(c.Stdout, "Running on: Linux %s %s x86_64\n", rel.kernelRelease, rel.kernelVersion)
	if build {
		fmt.Fprintln(c.Stdout, "Build options : TARGET=linux-musl USE_PCRE2=1 USE_PCRE2_JIT=1 USE_OPENSSL=1 USE_ZLIB=1 USE_LUA=1 USE_NS=1 USE_PROMEX=1")
	}
}

// haproxyCheckFile is `haproxy -c -f FILE`: exit 0 when valid (3.0 and
// later print "Configuration file is valid" only with -V), 1 with the
// alerts, 2 when valid but without any listener.
func haproxyCheckFile(c *shell.Call, out haproxyOutput, file string, verbose bool) int {
	raw, err := c.Env.FS.ReadFile(file)
	if err != nil {
		out.print("ALERT", "config : Could not open configuration file "+file+" : No such file or directory")
		return 1
	}
	cfg, msgs, ok := parseHAProxyConfig(file, string(raw))
	warned := out.config(msgs)
	if !ok {
		return 1
	}
	if warned && !out.quiet {
		fmt.Fprintln(c.Stdout, "Warnings were found.")
	}
	if len(cfg.listeners()) == 0 {
		if !out.quiet {
			fmt.Fprintln(c.Stdout, "Configuration file has no error but will not start (no listener) => exit(2).")
		}
		return 2
	}
	if verbose {
		fmt.Fprintln(c.Stdout, "Configuration file is valid")
	}
	return 0
}

// haproxyOutput prints messages as print_message does: a label padded to
// ten columns, the process id, the context ("config : " while the files
// are read), and, before the first message of a starting process, the
// version and executable notices (warn_exec_path). -q silences them all.
type haproxyOutput struct {
	w       io.Writer
	pid     int
	version string
	quiet   bool
	noticed *bool
}

func (o *haproxyOutput) print(label, text string) {
	if o.quiet {
		return
	}
	if o.noticed == nil || !*o.noticed {
		if o.noticed == nil {
			o.noticed = new(bool)
		}
		*o.noticed = true
		v, _, _ := haproxyVersion(o.version)
		o.line("NOTICE", "haproxy version is "+v)
		o.line("NOTICE", "path to executable is "+haproxyBinary)
	}
	o.line(label, text)
}

func (o *haproxyOutput) line(label, text string) {
	fmt.Fprintf(o.w, "%-10s (%d) : %s\n", "["+label+"]", o.pid, text)
}

// config prints the messages of a configuration read and says whether
// any was a warning.
func (o *haproxyOutput) config(msgs []haproxyMsg) (warned bool) {
	for _, m := range msgs {
		label := "ALERT"
		if !m.Alert {
			label, warned = "WARNING", true
		}
		o.print(label, "config : "+m.Text)
	}
	return warned
}

// listeners are the ports the configuration binds, in file order, with
// the proxy that binds each first (haproxy binds with SO_REUSEPORT, so a
// port two frontends name is bound by both; the simulator serves it with
// the first).
func (cfg *haproxyConfig) listeners() []haproxyListener {
	var out []haproxyListener
	seen := map[int]bool{}
	for _, p := range cfg.Proxies {
		if !p.frontend() {
			continue
		}
		for _, b := range p.Binds {
			if !seen[b.Port] {
				seen[b.Port] = true
				out = append(out, haproxyListener{Port: b.Port, Proxy: p})
			}
		}
	}
	return out
}

type haproxyListener struct {
	Port  int
	Proxy *haproxyProxy
}
