package pvesim

import (
	"context"
	"net/url"
	"strings"
	"testing"
)

// The os-release files of the releases the simulator has an archive for,
// as the distributions ship them (base-files, alpine-release).
var testOSReleases = map[string]string{
	"alpine-3.21": "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.21.3\nPRETTY_NAME=\"Alpine Linux v3.21\"\n",
	"alpine-3.22": "NAME=\"Alpine Linux\"\nID=alpine\nVERSION_ID=3.22.1\nPRETTY_NAME=\"Alpine Linux v3.22\"\n",
	"debian-12": "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n" +
		"ID=debian\n",
	"debian-13":    "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"13\"\nVERSION_CODENAME=trixie\nID=debian\n",
	"ubuntu-22.04": "PRETTY_NAME=\"Ubuntu 22.04.5 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\nID=ubuntu\nID_LIKE=debian\n",
	"rocky-9":      "NAME=\"Rocky Linux\"\nVERSION_ID=\"9.5\"\nID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\n",
	"ubuntu-24.04": "PRETTY_NAME=\"Ubuntu 24.04.3 LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\n" +
		"ID=ubuntu\nID_LIKE=debian\n",
}

// ctWithRelease starts a container and gives it another release's
// os-release: the userland follows that file alone, as a real system's
// package manager does, whatever template the container came from.
func ctWithRelease(t *testing.T, sim *Simulator, vmid int, release string) {
	t.Helper()
	createCT(t, sim, "pve1", vmid, url.Values{"start": {"1"}})
	var out strings.Builder
	code, err := sim.RunOnNode(context.Background(), "pve1", "pct exec "+itoa(vmid)+" -- sh -c 'cat > /etc/os-release'",
		strings.NewReader(testOSReleases[release]), &out, &out)
	if err != nil || code != 0 {
		t.Fatalf("writing os-release: %d %v %s", code, err, out.String())
	}
}

// inCT runs a script in the container and returns status, stdout, stderr.
func inCT(t *testing.T, sim *Simulator, vmid int, script, stdin string) (int, string, string) {
	t.Helper()
	var stdout, stderr strings.Builder
	code, err := sim.RunOnNode(context.Background(), "pve1", "pct exec "+itoa(vmid)+" -- sh -c "+shellQuote(script), strings.NewReader(stdin), &stdout,
		&stderr)
	if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestDistroPackagesFollowOSRelease installs docker and compose as each
// release's archive has them (versions from pkgs.alpinelinux.org,
// packages.debian.org, packages.ubuntu.com and Debian 12's apt-cache, see
// distro_archives.go) and checks what the programs then say.
func TestDistroPackagesFollowOSRelease(t *testing.T) {
	sim := startSim(t, Options{})
	cases := []struct {
		release, install string
		want             map[string]string // command -> expected output part ("!" prefix: expected failure text)
	}{
		{"alpine-3.21", "apk add docker docker-cli-compose && rc-update add docker default && service docker start", map[string]string{
			"docker --version": "Docker version 27.3.1", "docker compose version": "Docker Compose version v2.31.0",
			"docker-compose version": "Docker Compose version v2.31.0",
		}},
		// Alpine's docker-compose is a name docker-cli-compose provides.
		{"alpine-3.22", "apk add docker docker-compose && rc-update add docker default && service docker start", map[string]string{
			"docker --version": "Docker version 28.3.3", "docker compose version": "Docker Compose version v2.36.2",
			"apk info docker-cli-compose": "docker-cli-compose",
		}},
		{"debian-12", "apt-get update && apt-get install -y docker.io docker-compose", map[string]string{
			"docker --version":                         "Docker version 20.10.24+dfsg1, build 297e128",
			"docker-compose version":                   "docker-compose version 1.29.2, build unknown",
			"docker compose version":                   "!docker: 'compose' is not a docker command.\nSee 'docker --help'",
			"apt-get install -y docker-compose-plugin": "!E: Unable to locate package docker-compose-plugin",
			"apt-get install -y docker-compose-v2":     "!E: Unable to locate package docker-compose-v2",
		}},
		// Debian 13's docker-compose is Compose v2 with both command forms.
		{"debian-13", "apt-get update && apt-get install -y docker.io docker-compose", map[string]string{
			"docker --version": "Docker version 26.1.5+dfsg1", "docker-compose version": "Docker Compose version 2.26.1-4",
			"docker compose version": "Docker Compose version 2.26.1-4",
		}},
		{"ubuntu-24.04", "apt-get update && apt-get install -y docker.io docker-compose-v2", map[string]string{
			"docker --version":       "Docker version 29.1.3, build 29.1.3-0ubuntu3~24.04.2",
			"docker compose version": "Docker Compose version 2.40.3+ds1-0ubuntu1~24.04.1",
			"docker-compose version": "!docker-compose: command not found",
		}},
	}
	for i, tc := range cases {
		t.Run(tc.release, func(t *testing.T) {
			vmid := 110 + i
			ctWithRelease(t, sim, vmid, tc.release)
			if code, out, errOut := inCT(t, sim, vmid, tc.install, ""); code != 0 {
				t.Fatalf("%s: %d %s %s", tc.install, code, out, errOut)
			}
			for cmd, want := range tc.want {
				code, out, errOut := inCT(t, sim, vmid, cmd, "")
				if fail, isFail := strings.CutPrefix(want, "!"); isFail {
					if code == 0 || !strings.Contains(errOut, fail) {
						t.Errorf("%s: %d %q %q, want a failure saying %q", cmd, code, out, errOut, fail)
					}
					continue
				}
				if code != 0 || !strings.Contains(out, want) {
					t.Errorf("%s: %d %q %q, want %q", cmd, code, out, errOut, want)
				}
			}
		})
	}
	// Ubuntu 22.04's archive has Compose v1 as docker-compose too.
	ctWithRelease(t, sim, 121, "ubuntu-22.04")
	if code, out, errOut := inCT(t, sim, 121, "apt-get install -y docker.io docker-compose && docker-compose version --short && docker compose version",
		""); code != 1 || !strings.Contains(out, "\n1.29.2\n") || !strings.Contains(errOut, "docker: unknown command: docker compose") {
		t.Errorf("jammy: %d %q %q", code, out, errOut)
	}
	// Rocky Linux has neither apt-get nor apk.
	ctWithRelease(t, sim, 122, "rocky-9")
	if code, _, errOut := inCT(t, sim, 122, "apt-get install -y docker.io", ""); code != 127 || !strings.Contains(errOut, "apt-get: command not found") {
		t.Errorf("rocky: %d %q", code, errOut)
	}
	// apt-get answers 100 for a package the archive lacks (apt's
	// cmdline/apt-get.cc exit status), with nothing installed.
	ctWithRelease(t, sim, 120, "debian-12")
	if code, _, errOut := inCT(t, sim, 120, "apt-get install -y docker-compose-plugin", ""); code != 100 ||
		!strings.Contains(errOut, "E: Unable to locate package docker-compose-plugin") {
		t.Errorf("docker-compose-plugin on Debian 12: %d %q", code, errOut)
	}
	// Debian's docker-compose recommends docker.io: apt-get installs it too.
	if code, out, _ := inCT(t, sim, 120, "apt-get install -y docker-compose && docker --version", ""); code != 0 ||
		!strings.Contains(out, "Setting up docker.io (20.10.24+dfsg1-1+deb12u1+b6)") {
		t.Errorf("recommends: %d %q", code, out)
	}
}
