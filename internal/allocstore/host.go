package allocstore

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
)

// HostFile is where the host store keeps the table: on pmxcfs, so every node
// and every Terraform run against the cluster sees the same file.
const HostFile = "/etc/pve/proximity/allocations.json"

// HostLock is the pmxcfs lock directory; mkdir on /etc/pve/priv/lock is
// atomic across the cluster, which is what PVE's own cfs_lock relies on.
const HostLock = HostLockDir + "/proximity-ports"

// HostLockDir is cfs_lock's $lockdir; a new cluster has none until the
// first cfs_lock of any kind.
const HostLockDir = "/etc/pve/priv/lock"

const (
	lockedMarker  = "@@PROXIMITY-LOCKED@@"
	beginMarker   = "@@PROXIMITY-BEGIN@@"
	endMarker     = "@@PROXIMITY-END@@"
	presentMarker = "PRESENT"
	missingMarker = "MISSING"

	// The script's exit statuses.
	exitClientGone  = 70 // the client did not confirm: it gave up while waiting
	exitUnreadable  = 71 // the file is not a regular file, or cat failed
	exitIncomplete  = 72 // the new content did not arrive whole
	exitLockLost    = 73 // held too long, or the lock is no longer ours
	exitLockTimeout = 75 // the lock never came free
	exitNoQuorum    = 76 // pmxcfs refused the lock directory: the cluster has no quorum
	exitCFSOffline  = 77 // /etc/pve/priv/lock is missing and cannot be made: pmxcfs is not mounted

	// lockBudget bounds the critical section, well inside pmxcfs's 120 s
	// lock lifetime, after which another run may break the lock.
	lockBudget = 60
)

// hostScript is one read-modify-write of the table under the cluster lock,
// in one SSH session:
//
//   - It makes priv/lock first and checks it is there, as PVE's cfs_lock
//     does (pve-cluster src/PVE/Cluster.pm: mkdir $lockdir; die "pve
//     cluster filesystem not online" unless -d): a fresh cluster has none.
//   - It waits for the lock (asking pmxcfs to drop one older than its 120 s
//     lifetime, left by a dead holder; -c so that a lock released meanwhile
//     is not recreated as a file), printing a line a second, so that a
//     client gone meanwhile ends it (OpenSSH closes its output).
//   - A mkdir (of priv/lock or of the lock) that fails with EACCES is
//     pmxcfs without quorum (dcdb.c dcdb_send_fuse_message returns -EACCES
//     when !cfs_is_quorate(); root meets no other EACCES there): it stops
//     at once, where cfs_lock would retry until its timeout and then say
//     "no quorum!".
//   - Holding the lock, it releases it on every exit (trap), but only while
//     the lock is still its own: the directory's inode and mtime identify it.
//   - It says LOCKED and waits for the client's GO: a client that gave up
//     while waiting closed its input, so the script leaves at once.
//   - It prints the file (PRESENT) or says it is MISSING; anything else at
//     the path, or a failed read, is an error, never an empty table.
//   - It reads "WRITE <bytes> <sha256>" and the new content, or SKIP, and
//     installs the content only when it arrived whole, within the lock's
//     budget and while the lock is still its own.
//
// (LOCKED and LOCKDIR come before LOCK: the replacer tries the words in this order.)
var hostScript = strings.NewReplacer("LOCKED", lockedMarker, "LOCKDIR", HostLockDir, "LOCK", HostLock, "FILE", HostFile,
	"BEGIN", beginMarker, "END", endMarker, "PRESENT", presentMarker, "MISSING", missingMarker,
	"E_GONE", fmt.Sprint(exitClientGone), "E_UNREADABLE", fmt.Sprint(exitUnreadable), "E_INCOMPLETE", fmt.Sprint(exitIncomplete),
	"E_LOST", fmt.Sprint(exitLockLost), "E_TIMEOUT", fmt.Sprint(exitLockTimeout), "BUDGET", fmt.Sprint(lockBudget),
	"E_NOQUORUM", fmt.Sprint(exitNoQuorum), "E_OFFLINE", fmt.Sprint(exitCFSOffline)).Replace(`export LC_ALL=C
if ! err=$(mkdir LOCKDIR 2>&1) && [ ! -d LOCKDIR ]; then
  case $err in *"Permission denied"*) echo "$err" >&2; exit E_NOQUORUM;; esac
  echo "pve cluster filesystem not online: LOCKDIR is missing" >&2; exit E_OFFLINE
fi
n=0
until err=$(mkdir LOCK 2>&1); do
  case $err in *"Permission denied"*) echo "$err" >&2; exit E_NOQUORUM;; esac
  n=$((n+1))
  if [ "$n" -ge 1500 ]; then echo "timed out after 150 s waiting for the cluster lock LOCK" >&2; exit E_TIMEOUT; fi
  if [ $((n % 10)) -eq 0 ]; then echo waiting || exit E_GONE; fi
  touch -c -d @0 LOCK 2>/dev/null
  sleep 0.1
done
mine=$(stat -c %i:%Y LOCK)
ours() { [ "$(stat -c %i:%Y LOCK 2>/dev/null)" = "$mine" ]; }
trap 'if ours; then rmdir LOCK; fi' EXIT
start=$(date +%s)
echo LOCKED
read -r go || exit E_GONE
[ "$go" = GO ] || exit E_GONE
mkdir -p /etc/pve/proximity
for f in FILE.tmp FILE.tmp.*; do if [ -e "$f" ]; then rm -f "$f"; fi; done
tmp=FILE.tmp.$$
echo BEGIN
if [ -e FILE ] && [ ! -f FILE ]; then echo "FILE is not a regular file" >&2; exit E_UNREADABLE; fi
if [ -f FILE ]; then
  echo PRESENT
  cat FILE || exit E_UNREADABLE
else
  echo MISSING
fi
echo
echo END
read -r kw size sum || exit 0
[ "$kw" = WRITE ] || exit 0
ours || { echo "the cluster lock was taken over; FILE is unchanged" >&2; exit E_LOST; }
cat > "$tmp"
set -- $(sha256sum "$tmp")
if [ "$(wc -c < "$tmp")" -ne "$size" ] || [ "$1" != "$sum" ]; then
  rm -f "$tmp"; echo "the new content arrived incomplete; FILE is unchanged" >&2; exit E_INCOMPLETE
fi
if [ $(($(date +%s) - start)) -ge BUDGET ] || ! ours; then
  rm -f "$tmp"; echo "the cluster lock was held too long or taken over; FILE is unchanged" >&2; exit E_LOST
fi
mv "$tmp" FILE || exit 1
`)

// HostStore keeps the file on the cluster file system through SSH to any online node.
type HostStore struct {
	Runner *nodeshell.Runner
	// Nodes lists the nodes to try, online first.
	Nodes func(ctx context.Context) ([]string, error)
}

func (s *HostStore) Location() string { return HostFile + " on the cluster" }

func (s *HostStore) Update(ctx context.Context, fn func(t *Table) error) error {
	nodes, err := s.Nodes(ctx)
	if err != nil {
		return fmt.Errorf("choosing a node for the allocation file: %w", err)
	}
	if len(nodes) == 0 {
		return errors.New("no online node to reach the allocation file on")
	}
	var lastErr error
	for _, node := range nodes {
		done, err := s.updateVia(ctx, node, fn)
		if err == nil || done || ctx.Err() != nil {
			return err
		}
		lastErr = err
	}
	return lastErr
}

// updateVia runs one read-modify-write through a node. done reports whether
// the attempt got as far as the file, so that another node must not retry it.
func (s *HostStore) updateVia(ctx context.Context, node string, fn func(t *Table) error) (done bool, err error) {
	x := &hostExchange{node: node, fn: fn}
	res, runErr := s.Runner.Interact(ctx, node, hostScript, x.converse)
	return x.verdict(res, runErr)
}

// hostExchange is the client's side of one run of hostScript through node.
type hostExchange struct {
	node    string
	fn      func(t *Table) error
	reached bool  // the table was read: another node must not retry
	fnErr   error // fn's error, or the table's that could not be parsed
}

// converse takes the lock, reads the table, applies fn and sends the new
// content, or SKIP when fn failed or changed nothing.
func (x *hostExchange) converse(out *bufio.Reader, in io.WriteCloser) error {
	if err := waitForLine(out, lockedMarker); err != nil {
		return err
	}
	if _, err := io.WriteString(in, "GO\n"); err != nil {
		return err
	}
	present, content, err := readTable(out)
	if err != nil {
		return err
	}
	x.reached = true
	t := newTable()
	if present {
		if t, err = parseTable(content, HostFile+" (via "+x.node+")"); err != nil {
			x.fnErr = err
			_, err = io.WriteString(in, "SKIP\n")
			return err
		}
	}
	if x.fnErr = x.fn(t); x.fnErr != nil {
		_, err = io.WriteString(in, "SKIP\n")
		return err
	}
	after := t.marshal()
	if present && bytes.Equal(bytes.TrimSpace(content), bytes.TrimSpace(after)) {
		_, err = io.WriteString(in, "SKIP\n")
		return err
	}
	// Framed: the script installs the content only if all of it came.
	sum := sha256.Sum256(after)
	if _, err := fmt.Fprintf(in, "WRITE %d %s\n", len(after), hex.EncodeToString(sum[:])); err != nil {
		return err
	}
	_, err = in.Write(after)
	return err
}

// verdict reads the script's exit status, which wins over a failed session,
// then the session's and fn's errors.
func (x *hostExchange) verdict(res nodeshell.Result, runErr error) (done bool, err error) {
	node, stderr := x.node, strings.TrimSpace(res.Stderr)
	switch {
	case res.ExitCode == exitNoQuorum:
		return true, &NoQuorumError{Node: node, Detail: stderr}
	case res.ExitCode == exitCFSOffline:
		return false, fmt.Errorf("the allocation file %s through node %s: %s", HostFile, node, stderr)
	case res.ExitCode == exitLockTimeout:
		return true, fmt.Errorf("the allocation file %s: %s", HostFile, stderr)
	case res.ExitCode == exitUnreadable:
		return true, &CorruptError{File: HostFile + " (via " + node + ")", Err: errors.New(stderr)}
	case res.ExitCode == exitLockLost || res.ExitCode == exitIncomplete:
		// The script's verdict wins over a failed write: it refuses before
		// reading the content, so our write may meet a closed session.
		return true, fmt.Errorf("updating the allocation file through node %s: exit status %d: %s", node, res.ExitCode, stderr)
	case runErr != nil:
		return x.reached, fmt.Errorf("updating the allocation file through node %s: %w", node, runErr)
	case x.fnErr != nil:
		return true, x.fnErr
	case res.ExitCode != 0:
		return true, fmt.Errorf("updating the allocation file through node %s: exit status %d: %s", node, res.ExitCode, stderr)
	}
	return true, nil
}

// waitForLine reads until a line equal to want; "waiting" lines of a script
// that waits for the lock come before it.
func waitForLine(out *bufio.Reader, want string) error {
	for {
		line, err := out.ReadString('\n')
		if strings.TrimRight(line, "\r\n") == want {
			return nil
		}
		if err != nil {
			return fmt.Errorf("the node closed the session before the cluster lock was taken: %w", err)
		}
	}
}

// readTable reads the file between the markers: whether it exists, and its
// content.
func readTable(out *bufio.Reader) (present bool, content []byte, err error) {
	if err := waitForLine(out, beginMarker); err != nil {
		return false, nil, err
	}
	state, err := out.ReadString('\n')
	if err != nil {
		return false, nil, fmt.Errorf("the node closed the session before sending the allocation file: %w", err)
	}
	switch strings.TrimRight(state, "\r\n") {
	case presentMarker:
		present = true
	case missingMarker:
	default:
		return false, nil, fmt.Errorf("unexpected answer %q before the allocation file", strings.TrimSpace(state))
	}
	var buf bytes.Buffer
	for {
		line, err := out.ReadString('\n')
		if strings.TrimRight(line, "\r\n") == endMarker {
			return present, buf.Bytes(), nil
		}
		buf.WriteString(line)
		if err != nil {
			return false, nil, fmt.Errorf("the node closed the session before sending the allocation file: %w", err)
		}
	}
}

// NoQuorumError is a cluster without quorum: pmxcfs is read-only, so the
// cluster lock cannot be taken and nothing can be allocated until the
// nodes see each other again. It is reported at once: waiting for the lock
// could not end well.
type NoQuorumError struct {
	Node   string
	Detail string // what the node said
}

func (e *NoQuorumError) Error() string {
	return fmt.Sprintf("the cluster has no quorum: /etc/pve is read-only on node %s, so the allocation file %s cannot be locked (%s); "+
		"bring the cluster's nodes back online (pvecm status shows the votes)", e.Node, HostFile, e.Detail)
}
