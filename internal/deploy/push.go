package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
)

// stagingParent is where a pushed file waits on the node: /run is a tmpfs,
// so a stage that a killed session could not remove is gone at the next
// boot, and it is root's alone.
var stagingParent = "/run"

// PushVerifyError is a file that pct push said it copied but that the
// container holds differently: pct push and pull run their copy in a worker
// whose failure does not reach pct's exit status (pve-container
// src/PVE/CLI/pct.pm, push: fork_worker without $upid_exit; File::Copy's
// copy result is not checked), so a full disk leaves a truncated file behind
// an exit status of 0.
type PushVerifyError struct {
	Node     string
	VMID     int
	Path     string
	WantSize int
	WantSum  string
	GotSize  int    // -1 when the file could not be read back
	GotSum   string // empty when the file could not be read back
	Output   string // what pct push and the check printed
}

func (e *PushVerifyError) Error() string {
	got := "cannot be read back"
	if e.GotSize >= 0 {
		got = fmt.Sprintf("has %d bytes (sha256 %s)", e.GotSize, shortSum(e.GotSum))
	}
	msg := fmt.Sprintf("pushing %s into container %d on node %s: pct push exited 0, but the file in the container %s "+
		"where %d bytes (sha256 %s) were sent; check the container's free disk space (df -h in the container) and the path",
		e.Path, e.VMID, e.Node, got, e.WantSize, shortSum(e.WantSum))
	if e.Output != "" {
		msg += "; pct said: " + e.Output
	}
	return msg
}

func shortSum(sum string) string {
	if len(sum) > 16 {
		return sum[:16] + "…"
	}
	return sum
}

// pushFile writes a file into the container through the node and checks
// that it arrived whole. The content travels on stdin, never on a command
// line, and waits on the node in a directory only root may enter: the file
// may carry an app's secrets (the compose file holds its passwords).
func (d *Service) pushFile(ctx context.Context, node string, vmid int, dir, name string, content []byte) error {
	if err := d.inContainer(ctx, node, vmid, "mkdir", "-p", dir); err != nil {
		return err
	}
	dest := dir + "/" + name
	sum := sha256.Sum256(content)
	want := hex.EncodeToString(sum[:])
	script := pushScript(vmid, dest)
	return retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, script, strings.NewReader(string(content)))
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("pushing %s into container %d on node %s: exited %d: %s", dest, vmid, node, res.ExitCode, strings.TrimSpace(res.Stderr))
		}
		size, got, ok := parsePushCheck(res.Stdout)
		if ok && size == len(content) && got == want {
			return nil
		}
		if !ok {
			size, got = -1, ""
		}
		return &PushVerifyError{Node: node, VMID: vmid, Path: dest, WantSize: len(content), WantSum: want,
			GotSize: size, GotSum: got, Output: strings.TrimSpace(res.Stderr)}
	})
}

// pushScript stages stdin in a fresh directory that mktemp makes with mode
// 0700 and a file it makes with mode 0600 (both atomically, so the content
// is never readable by another user of the node, whatever the umask), pushes
// it with mode 0600, removes the stage on every exit of the script (the EXIT
// trap runs also when the session ends and stdin closes early), and prints
// the size and SHA-256 of the file as the container has it.
func pushScript(vmid int, dest string) string {
	id := strconv.Itoa(vmid)
	return strings.Join([]string{
		"stage=$(mktemp -d " + Quote(stagingParent+"/proximity-push.XXXXXXXXXX") + ") || exit 1",
		`trap 'rm -rf "$stage"' EXIT`,
		`file=$(mktemp "$stage/file.XXXXXX") || exit 1`,
		`cat > "$file" || exit 1`,
		Command("pct", "push", id) + ` "$file" ` + Quote(dest) + " --perms 0600 || exit $?",
		Command("pct", "exec", id, "--", "sh", "-c", `wc -c < "$1" && sha256sum < "$1"`, "sh", dest),
	}, "\n")
}

// parsePushCheck reads the check's output: the size on one line, then
// "<sha256>  -".
func parsePushCheck(out string) (size int, sum string, ok bool) {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		return 0, "", false
	}
	size, err := strconv.Atoi(strings.TrimSpace(lines[len(lines)-2]))
	fields := strings.Fields(lines[len(lines)-1])
	if err != nil || len(fields) == 0 || len(fields[0]) != sha256.Size*2 {
		return 0, "", false
	}
	return size, fields[0], true
}
