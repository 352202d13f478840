package deploy

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// fakePct is a pct for a real shell: push copies the file after recording
// the stage's modes and whether user nobody could read the staged file;
// exec runs the command here. FAKE_PCT_TRUNCATE makes push behave as
// pct.pm does on a full disk: a short copy and exit 0.
const fakePct = `#!/bin/sh
case "$1" in
push)
	src=$3 dst=$4
	stat -c '%a' "$(dirname "$src")" "$src" > "$FAKE_PCT_LOG"
	if [ "$(id -u)" = 0 ] && setpriv --reuid=65534 --regid=65534 --clear-groups cat "$src" >/dev/null 2>&1; then
		echo readable-by-nobody >> "$FAKE_PCT_LOG"
	fi
	if [ -n "$FAKE_PCT_TRUNCATE" ]; then head -c 3 "$src" > "$dst"; else cat "$src" > "$dst"; fi
	exit 0 ;;
exec)
	shift 3
	exec "$@" ;;
esac
exit 2
`

// runPushScript runs pushScript in /bin/sh with the fake pct, staging under
// a directory of the test's own.
func runPushScript(t *testing.T, truncate bool, content string) (stdout, log, stage string, code int) {
	t.Helper()
	dir := t.TempDir()
	bin, stage := filepath.Join(dir, "bin"), filepath.Join(dir, "run")
	for _, d := range []string{bin, stage} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(bin, "pct"), []byte(fakePct), 0o755); err != nil { //nolint:gosec // a test program
		t.Fatal(err)
	}
	// The test's directories are open to all, as /run is, so that only the
	// stage's own modes can keep user nobody out; a file left open beside
	// the stage shows that nobody does get in where modes allow.
	for _, d := range []string{filepath.Dir(dir), dir} {
		if err := os.Chmod(d, 0o755); err != nil { //nolint:gosec // see above
			t.Fatal(err)
		}
	}
	control := filepath.Join(stage, "..", "open")
	if err := os.WriteFile(control, []byte("x"), 0o644); err != nil { //nolint:gosec // the control
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "cat", control).CombinedOutput(); err != nil {
			t.Fatalf("user nobody cannot read an open file, so the check proves nothing: %v %s", err, out)
		}
	}
	old := stagingParent
	stagingParent = stage
	script := pushScript(120, filepath.Join(dir, "dest"))
	stagingParent = old
	cmd := exec.Command("/bin/sh", "-c", script)
	logFile := filepath.Join(dir, "pct.log")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"), "FAKE_PCT_LOG="+logFile)
	if truncate {
		cmd.Env = append(cmd.Env, "FAKE_PCT_TRUNCATE=1")
	}
	cmd.Stdin = strings.NewReader(content)
	var out bytes.Buffer
	cmd.Stdout = &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	logged, _ := os.ReadFile(logFile)
	return out.String(), string(logged), stage, code
}

// TestPushStagesRootOnlyAndCleansUp runs the push script in a real shell:
// the staged file is 0600 in a 0700 directory from its creation (mktemp),
// user nobody cannot read it, the check reports the container's size and
// SHA-256, and the stage is gone afterwards, also when the copy was short.
func TestPushStagesRootOnlyAndCleansUp(t *testing.T) {
	for _, truncate := range []bool{false, true} {
		out, log, stage, code := runPushScript(t, truncate, "DB_PASSWORD=s3cret\n")
		if code != 0 {
			t.Fatalf("truncate=%v: exit %d, output %q", truncate, code, out)
		}
		if log != "700\n600\n" {
			t.Errorf("truncate=%v: stage modes and readers %q, want 700 and 600 and no other reader", truncate, log)
		}
		size, sum, ok := parsePushCheck(out)
		wantSize := 19
		if truncate {
			wantSize = 3
		}
		if !ok || size != wantSize || len(sum) != 64 {
			t.Errorf("truncate=%v: check output %q gives %d %q %v", truncate, out, size, sum, ok)
		}
		if left, _ := os.ReadDir(stage); len(left) != 0 {
			t.Errorf("truncate=%v: the stage is left behind: %v", truncate, left)
		}
	}
}

// TestPushFileDetectsAShortCopy pushes onto a container whose disk cannot
// hold the file: pct push exits 0 (pct.pm, TestPctPushOnAFullDiskExitsZero),
// the check finds the short file and pushFile fails saying so; the node
// keeps no stage. A file that fits arrives whole.
func TestPushFileDetectsAShortCopy(t *testing.T) {
	d, sim := newService(t)
	yes := true
	// 401 MiB less the template's 400 MiB userland leaves 1 MiB for files.
	if err := d.Client.CreateContainer(context.Background(), "pve1", 120, pveclient.ContainerCreateRequest{
		OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:0.392"}, Start: true,
		ContainerSettings: pveclient.ContainerSettings{Unprivileged: &yes},
	}, nil); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte("x"), 2<<20)
	err := d.pushFile(context.Background(), "pve1", 120, "/opt/app", "compose.yaml", big)
	var verify *PushVerifyError
	if !errors.As(err, &verify) || verify.GotSize >= len(big) || verify.GotSize <= 0 ||
		!strings.Contains(err.Error(), "pct push exited 0, but the file in the container has") || !strings.Contains(err.Error(), "free disk space") {
		t.Fatalf("a short copy: %v", err)
	}
	var out, errOut strings.Builder
	code, _ := sim.RunOnNode(context.Background(), "pve1", "ls /run", nil, &out, &errOut)
	if code != 0 || strings.Contains(out.String(), "proximity-push") {
		t.Errorf("the node keeps a stage: %d %q %q", code, out.String(), errOut.String())
	}
	if err := d.pushFile(context.Background(), "pve1", 120, "/opt/app", "compose.yaml", []byte("services: {}\n")); err != nil {
		t.Fatalf("a file that fits: %v", err)
	}
	res, err := d.Nodes.Run(context.Background(), "pve1", PctExec(120, "stat", "-c", "%a %s", "/opt/app/compose.yaml"), nil)
	if err != nil || res.Stdout != "600 13\n" {
		t.Errorf("the pushed file: %+v %v", res, err)
	}
}
