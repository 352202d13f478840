package pvesim

import "strings"

// The archives below are what each release's default repositories offer,
// with the versions they carry (checked November 2026):
//   - Alpine: pkgs.alpinelinux.org, community repository of the branch:
//     v3.21 docker 27.3.1-r5, docker-cli-compose 2.31.0-r5; v3.22 docker
//     28.3.3-r5, docker-cli-compose 2.36.2-r5. aports'
//     community/docker-cli-compose/APKBUILD installs the plugin, links it as
//     /usr/bin/docker-compose and provides "docker-compose".
//   - Debian 12 (bookworm/main, `apt-cache policy` on Debian 12): docker.io
//     20.10.24+dfsg1-1+deb12u1+b6, docker-compose 1.29.2-3 (Compose v1,
//     python), containerd 1.6.20~ds1-1+deb12u3, runc 1.1.5+ds1-1+deb12u1;
//     no docker-cli, docker-compose-plugin or docker-compose-v2.
//   - Debian 13 (trixie/main, packages.debian.org): docker.io and docker-cli
//     26.1.5+dfsg1-9+b13, docker-compose 2.26.1-4, whose file list has both
//     /usr/bin/docker-compose and the CLI plugin.
//   - Ubuntu 24.04 (noble, noble-updates/security, universe,
//     packages.ubuntu.com): docker.io 29.1.3-0ubuntu3~24.04.2,
//     docker-compose-v2 (the plugin only) 2.40.3+ds1-0ubuntu1~24.04.1 (the
//     version Ubuntu backports to every supported release, see
//     wiki.ubuntu.com/DockerUpdates), docker-compose 1.29.2-6ubuntu1 (v1).
//   - Older releases of the appliance index: Debian 11 (bullseye) docker.io
//     20.10.5+dfsg1-1+deb11u4 and docker-compose 1.25.0-1 (a v1 older than
//     1.29.2, modelled with 1.29.2's rules); Ubuntu 22.04 (jammy-security)
//     docker.io 29.1.3-0ubuntu3~22.04.2, docker-compose-v2
//     2.40.3+ds1-0ubuntu1~22.04.1, docker-compose 1.29.2-1.

const composePlugin = "/usr/libexec/docker/cli-plugins/docker-compose"

var alpineArchives = map[string]func(string) *distro{
	"3.21": func(v string) *distro { return alpineDistro(v, "v3.21", "27.3.1", "27.3.1-r5", "2.31.0-r5") },
	"3.22": func(v string) *distro { return alpineDistro(v, "v3.22", "28.3.3", "28.3.3-r5", "2.36.2-r5") },
}

var debianArchives = map[string]func(string) *distro{
	"11": bullseye,
	"12": bookworm,
	"13": trixie,
}

var ubuntuArchives = map[string]func(string) *distro{
	"22.04": jammy,
	"24.04": noble,
}

func alpineDistro(versionID, branch, docker, dockerPkg, composePkg string) *distro {
	composeUpstream, _, _ := strings.Cut(composePkg, "-r")
	return &distro{
		ID: "alpine", VersionID: versionID, Branch: branch,
		Docker: docker, DockerBuild: "e1c7b3a", DockerServer: "Server:",
		Packages: map[string]distroPackage{
			"docker":     {Version: dockerPkg, Depends: []string{"docker-cli", "docker-engine"}},
			"docker-cli": {Version: dockerPkg, Files: []string{"/usr/bin/docker"}},
			"docker-engine": {Version: dockerPkg, Files: []string{"/usr/bin/dockerd"},
				Depends: []string{"containerd", "runc", "docker-openrc", "iptables"}},
			"docker-openrc": {Version: dockerPkg, Files: []string{"/etc/init.d/docker", "/etc/conf.d/docker"}},
			"containerd":    {Version: "2.0.5-r0", Files: []string{"/usr/bin/containerd"}},
			"runc":          {Version: "1.2.6-r0", Files: []string{"/usr/bin/runc"}},
			"docker-cli-compose": {Version: composePkg, Files: []string{composePlugin, "/usr/bin/docker-compose"}, Depends: []string{"docker-cli"},
				ComposeVersion: "v" + composeUpstream},
			"docker-compose":  {Virtual: "docker-cli-compose"},
			"bash":            {Version: "5.2.37-r0", Files: []string{"/bin/bash"}},
			"ca-certificates": {Version: "20250619-r0", Files: []string{"/etc/ssl/certs/ca-certificates.crt"}},
			"tzdata":          {Version: "2025b-r0", Files: []string{"/usr/share/zoneinfo/UTC"}},
			"openrc":          {Version: "0.62.6-r0", Files: []string{"/sbin/openrc"}},
			"iptables":        {Version: "1.8.11-r1", Files: []string{"/sbin/iptables"}},
			"haproxy":         haproxyPackage(branch), // haproxy_package.go
			"haproxy-openrc":  haproxyOpenRCPackage(branch),
		},
	}
}

// debianBase is what every Debian-family archive has beside docker.
func debianBase() map[string]distroPackage {
	return map[string]distroPackage{
		"ca-certificates": {Version: "20230311+deb12u1", Files: []string{"/etc/ssl/certs/ca-certificates.crt"}},
		"gnupg":           {Version: "2.2.40-1.1", Files: []string{"/usr/bin/gpg"}},
		"iptables":        {Version: "1.8.9-2", Files: []string{"/usr/sbin/iptables"}},
		"tzdata":          {Version: "2025b-0+deb12u2", Files: []string{"/usr/share/zoneinfo/UTC"}},
	}
}

func bookworm(versionID string) *distro {
	pkgs := debianBase()
	pkgs["docker.io"] = distroPackage{Version: "20.10.24+dfsg1-1+deb12u1+b6", Files: []string{"/usr/bin/docker", "/usr/sbin/dockerd", dockerUnit},
		Depends: []string{"containerd", "runc", "tini", "iptables"}}
	pkgs["containerd"] = distroPackage{Version: "1.6.20~ds1-1+deb12u3", Files: []string{"/usr/bin/containerd"}}
	pkgs["runc"] = distroPackage{Version: "1.1.5+ds1-1+deb12u1", Files: []string{"/usr/sbin/runc"}}
	pkgs["tini"] = distroPackage{Version: "0.19.0-1+b3", Files: []string{"/usr/bin/tini"}}
	// Debian's docker-compose recommends docker.io, which apt-get installs
	// too unless told not to.
	pkgs["docker-compose"] = distroPackage{Version: "1.29.2-3", Files: []string{"/usr/bin/docker-compose"}, Recommends: []string{"docker.io"},
		ComposeVersion: "1.29.2", ComposeV1: true}
	return &distro{ID: "debian", VersionID: versionID, Branch: "bookworm", Packages: pkgs,
		Docker: "20.10.24+dfsg1", DockerBuild: "297e128", DockerServer: "Server:"}
}

func bullseye(versionID string) *distro {
	pkgs := debianBase()
	pkgs["docker.io"] = distroPackage{Version: "20.10.5+dfsg1-1+deb11u4", Files: []string{"/usr/bin/docker", "/usr/sbin/dockerd", dockerUnit},
		Depends: []string{"containerd", "runc", "tini", "iptables"}}
	pkgs["containerd"] = distroPackage{Version: "1.4.13~ds1-1~deb11u4", Files: []string{"/usr/bin/containerd"}}
	pkgs["runc"] = distroPackage{Version: "1.0.0~rc93+ds1-5+deb11u5", Files: []string{"/usr/sbin/runc"}}
	pkgs["tini"] = distroPackage{Version: "0.19.0-1", Files: []string{"/usr/bin/tini"}}
	pkgs["docker-compose"] = distroPackage{Version: "1.25.0-1", Files: []string{"/usr/bin/docker-compose"}, Recommends: []string{"docker.io"},
		ComposeVersion: "1.25.0", ComposeV1: true}
	return &distro{ID: "debian", VersionID: versionID, Branch: "bullseye", Packages: pkgs,
		Docker: "20.10.5+dfsg1", DockerBuild: "55c4c88", DockerServer: "Server:"}
}

func trixie(versionID string) *distro {
	pkgs := debianBase()
	const v = "26.1.5+dfsg1-9+b13"
	pkgs["docker.io"] = distroPackage{Version: v, Files: []string{"/usr/sbin/dockerd", dockerUnit},
		Depends: []string{"docker-cli", "containerd", "runc", "tini", "iptables"}}
	pkgs["docker-cli"] = distroPackage{Version: v, Files: []string{"/usr/bin/docker"}}
	pkgs["containerd"] = distroPackage{Version: "1.7.24~ds1-6+b4", Files: []string{"/usr/bin/containerd"}}
	pkgs["runc"] = distroPackage{Version: "1.1.15+ds1-2+b4", Files: []string{"/usr/sbin/runc"}}
	pkgs["tini"] = distroPackage{Version: "0.19.0-1+b3", Files: []string{"/usr/bin/tini"}}
	pkgs["docker-compose"] = distroPackage{Version: "2.26.1-4", Files: []string{"/usr/bin/docker-compose", composePlugin},
		Depends: []string{"docker-cli", "docker.io"}, ComposeVersion: "2.26.1-4"}
	return &distro{ID: "debian", VersionID: versionID, Branch: "trixie", Packages: pkgs,
		Docker: "26.1.5+dfsg1", DockerBuild: "a72d7cd", DockerServer: "Server:"}
}

func noble(versionID string) *distro {
	pkgs := debianBase()
	const v = "29.1.3-0ubuntu3~24.04.2"
	pkgs["docker.io"] = distroPackage{Version: v, Files: []string{"/usr/bin/docker", "/usr/sbin/dockerd", dockerUnit},
		Depends: []string{"containerd", "runc", "iptables"}}
	pkgs["containerd"] = distroPackage{Version: "1.7.28-0ubuntu1~24.04.1", Files: []string{"/usr/bin/containerd"}}
	pkgs["runc"] = distroPackage{Version: "1.3.3-0ubuntu1~24.04.3", Files: []string{"/usr/sbin/runc"}}
	pkgs["docker-compose-v2"] = distroPackage{Version: "2.40.3+ds1-0ubuntu1~24.04.1", Files: []string{composePlugin}, Depends: []string{"docker.io"},
		ComposeVersion: "2.40.3+ds1-0ubuntu1~24.04.1"}
	pkgs["docker-compose"] = distroPackage{Version: "1.29.2-6ubuntu1", Files: []string{"/usr/bin/docker-compose"}, Recommends: []string{"docker.io"},
		ComposeVersion: "1.29.2", ComposeV1: true}
	return &distro{ID: "ubuntu", VersionID: versionID, Branch: "noble", Packages: pkgs,
		Docker: "29.1.3", DockerBuild: "29.1.3-0ubuntu3~24.04.2", DockerServer: "Server:"}
}

func jammy(versionID string) *distro {
	d := noble(versionID)
	d.Branch = "jammy"
	const v = "29.1.3-0ubuntu3~22.04.2"
	d.Docker, d.DockerBuild = "29.1.3", v
	docker := d.Packages["docker.io"]
	docker.Version = v
	d.Packages["docker.io"] = docker
	d.Packages["docker-compose-v2"] = distroPackage{Version: "2.40.3+ds1-0ubuntu1~22.04.1", Files: []string{composePlugin},
		Depends: []string{"docker.io"}, ComposeVersion: "2.40.3+ds1-0ubuntu1~22.04.1"}
	d.Packages["docker-compose"] = distroPackage{Version: "1.29.2-1", Files: []string{"/usr/bin/docker-compose"}, Recommends: []string{"docker.io"},
		ComposeVersion: "1.29.2", ComposeV1: true}
	return d
}

const dockerUnit = "/lib/systemd/system/docker.service"

// dockerRepoPackages are Docker's own apt repository, usable once a
// sources file for download.docker.com is in place.
var dockerRepoPackages = map[string]distroPackage{
	"docker-ce":             {Version: "5:29.1.3-1", Files: []string{"/usr/bin/dockerd", dockerUnit}, Depends: []string{"containerd.io"}},
	"docker-ce-cli":         {Version: "5:29.1.3-1", Files: []string{"/usr/bin/docker"}},
	"containerd.io":         {Version: "2.2.0-2", Files: []string{"/usr/bin/containerd"}},
	"docker-buildx-plugin":  {Version: "0.30.1-1", Files: []string{"/usr/libexec/docker/cli-plugins/docker-buildx"}},
	"docker-compose-plugin": {Version: "2.40.3-1", Files: []string{composePlugin}, ComposeVersion: "v2.40.3"},
}
