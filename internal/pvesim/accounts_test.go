package pvesim

import (
	"net/url"
	"strings"
	"testing"

	"github.com/GehirnInc/crypt/sha512_crypt"
)

// rootHash reads root's password hash from a container's /etc/shadow.
func rootHash(t *testing.T, sim *Simulator, vmid string) string {
	t.Helper()
	code, out, stderr := sshRun(t, sim, "pve1", "pct exec "+vmid+" -- cat /etc/shadow", "")
	if code != 0 {
		t.Fatalf("cat /etc/shadow: %d %s", code, stderr)
	}
	for _, line := range strings.Split(out, "\n") {
		if fields := strings.Split(line, ":"); fields[0] == "root" && len(fields) > 1 {
			return fields[1]
		}
	}
	t.Fatalf("no root in %q", out)
	return ""
}

func TestRootPasswordAtCreateAndByChpasswd(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"start": {"1"}, "password": {"first pass'word"}})
	createCT(t, sim, "pve1", 102, url.Values{"start": {"1"}})
	crypt := sha512_crypt.New()
	if hash := rootHash(t, sim, "101"); !strings.HasPrefix(hash, "$6$") || crypt.Verify(hash, []byte("first pass'word")) != nil {
		t.Errorf("the create's password is not root's: %q", hash)
	}
	if hash := rootHash(t, sim, "102"); hash != "*" {
		t.Errorf("without a password root must stay locked, got %q", hash)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct exec 101 -- chpasswd", "root:new $ecret\n"); code != 0 {
		t.Fatalf("chpasswd: %d %s", code, stderr)
	}
	if hash := rootHash(t, sim, "101"); crypt.Verify(hash, []byte("new $ecret")) != nil {
		t.Errorf("chpasswd did not set the password: %q", hash)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct exec 101 -- chpasswd", "nobody:x\n"); code == 0 ||
		!strings.Contains(stderr, "user 'nobody' does not exist") {
		t.Errorf("unknown user: %d %q", code, stderr)
	}
}
