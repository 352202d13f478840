package pvesim

import (
	"strings"
	"testing"
)

// TestApkOnlyInstallsFromEnabledRepositories: the Alpine template lists
// its branch's main and community repositories, and apk finds docker (a
// community package) only while community is listed. Without it apk says
// what apk 2.14 says for a name no enabled repository has (apk's
// "unable to select packages" with "(no such package)" and the world
// entry that asked for it) and exits with the number of errors.
func TestApkOnlyInstallsFromEnabledRepositories(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 130, map[string][]string{"start": {"1"}})
	code, out, _ := inCT(t, sim, 130, "cat /etc/apk/repositories", "")
	want := "http://dl-cdn.alpinelinux.org/alpine/v3.22/main\nhttp://dl-cdn.alpinelinux.org/alpine/v3.22/community\n"
	if code != 0 || out != want {
		t.Fatalf("the template's repositories: %d %q, want %q", code, out, want)
	}
	if code, _, errOut := inCT(t, sim, 130, "sed -i '/community/d' /etc/apk/repositories", ""); code != 0 {
		t.Fatalf("sed: %s", errOut)
	}
	code, out, errOut := inCT(t, sim, 130, "apk update", "")
	mainIndex := "fetch http://dl-cdn.alpinelinux.org/alpine/v3.22/main/x86_64/APKINDEX.tar.gz"
	if code != 0 || strings.Contains(out, "community") || !strings.Contains(out, mainIndex) {
		t.Errorf("apk update without community: %d %q %q", code, out, errOut)
	}
	code, _, errOut = inCT(t, sim, 130, "apk add --no-cache docker docker-cli-compose", "")
	wantErr := "ERROR: unable to select packages:\n  docker (no such package):\n    required by: world[docker]\n" +
		"  docker-cli-compose (no such package):\n    required by: world[docker-cli-compose]\n"
	if code != 2 || errOut != wantErr {
		t.Errorf("apk add docker without community: %d %q, want 2 %q", code, errOut, wantErr)
	}
	// A main package still installs.
	if code, _, errOut := inCT(t, sim, 130, "apk add bash", ""); code != 0 {
		t.Errorf("apk add bash from main: %d %s", code, errOut)
	}
	back := "echo http://dl-cdn.alpinelinux.org/alpine/v3.22/community >> /etc/apk/repositories && apk add docker"
	if code, _, errOut := inCT(t, sim, 130, back, ""); code != 0 {
		t.Errorf("apk add docker once community is back: %d %s", code, errOut)
	}
}
