package allocstore

import (
	"bufio"
	"bytes"
	"context"
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
const HostLock = "/etc/pve/priv/lock/proximity-ports"

const (
	beginMarker = "@@PROXIMITY-BEGIN@@"
	endMarker   = "@@PROXIMITY-END@@"
	// exitLockTimeout is the script's status when the lock never came free.
	exitLockTimeout = 75
)

// hostScript takes the cluster lock (asking pmxcfs to drop a lock older than
// its 120 s lifetime, left by a dead holder; -c so that a lock released
// meanwhile is not recreated as a file), prints the file, reads the new
// content from stdin, replaces the file when there is one, and unlocks. All
// of it is one SSH session, seconds long, well inside the lock lifetime.
var hostScript = strings.NewReplacer("LOCK", HostLock, "FILE", HostFile, "BEGIN", beginMarker, "END", endMarker, "TIMEOUT", fmt.Sprint(exitLockTimeout)).Replace(`n=0
until mkdir LOCK 2>/dev/null; do
  n=$((n+1))
  if [ "$n" -ge 1500 ]; then echo "timed out after 150 s waiting for the cluster lock LOCK" >&2; exit TIMEOUT; fi
  touch -c -d @0 LOCK 2>/dev/null
  sleep 0.1
done
mkdir -p /etc/pve/proximity
echo BEGIN
if [ -f FILE ]; then cat FILE; fi
echo
echo END
cat > FILE.tmp
status=0
if [ -s FILE.tmp ]; then mv FILE.tmp FILE || status=1; else rm -f FILE.tmp; fi
rmdir LOCK
exit $status
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
		if err == nil || done {
			return err
		}
		lastErr = err
	}
	return lastErr
}

// updateVia runs one read-modify-write through a node. done reports whether
// the attempt got as far as the file, so that another node must not retry it.
func (s *HostStore) updateVia(ctx context.Context, node string, fn func(t *Table) error) (done bool, err error) {
	var fnErr error
	reached := false
	res, runErr := s.Runner.Interact(ctx, node, hostScript, func(out *bufio.Reader, in io.WriteCloser) error {
		content, err := readBetweenMarkers(out)
		if err != nil {
			return err
		}
		reached = true
		where := HostFile + " (via " + node + ")"
		t, err := parseTable(content, where)
		if err != nil {
			fnErr = err
			return nil // close stdin empty: nothing is written
		}
		if fnErr = fn(t); fnErr != nil {
			return nil
		}
		after := t.marshal()
		if bytes.Equal(bytes.TrimSpace(content), bytes.TrimSpace(after)) {
			return nil
		}
		_, err = in.Write(after)
		return err
	})
	switch {
	case res.ExitCode == exitLockTimeout:
		return true, fmt.Errorf("the allocation file %s: %s", HostFile, strings.TrimSpace(res.Stderr))
	case runErr != nil:
		return reached, fmt.Errorf("updating the allocation file through node %s: %w", node, runErr)
	case fnErr != nil:
		return true, fnErr
	case res.ExitCode != 0:
		return true, fmt.Errorf("updating the allocation file through node %s: exit status %d: %s", node, res.ExitCode, strings.TrimSpace(res.Stderr))
	}
	return true, nil
}

func readBetweenMarkers(out *bufio.Reader) ([]byte, error) {
	var content bytes.Buffer
	started := false
	for {
		line, err := out.ReadString('\n')
		trimmed := strings.TrimRight(line, "\r\n")
		switch {
		case !started && trimmed == beginMarker:
			started = true
		case started && trimmed == endMarker:
			return content.Bytes(), nil
		case started:
			content.WriteString(line)
		}
		if err != nil {
			return nil, fmt.Errorf("the node closed the session before sending the allocation file: %w", err)
		}
	}
}
