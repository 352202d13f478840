package allocstore

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

func onNode(t *testing.T, sim *pvesim.Simulator, script string) string {
	t.Helper()
	var out strings.Builder
	_, _ = sim.RunOnNode(context.Background(), "pve1", script, nil, &out, &out)
	return out.String()
}

// TestEmptyOrOddFileIsAnErrorNotANewTable: only a missing file is a new
// table; an empty one (a writer cut short) or something that is not a file
// is reported with its name and left alone, in both stores.
func TestEmptyOrOddFileIsAnErrorNotANewTable(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	store := hostStore(t, sim, "pve2")
	allocate := func(s Store) error {
		return s.Update(context.Background(), func(tb *Table) error { _, err := tb.Allocate(Request{Public: pub, Internal: in}); return err })
	}
	onNode(t, sim, "mkdir -p /etc/pve/proximity && printf '\\n  \\n' > "+HostFile)
	if err := allocate(store); err == nil || !strings.Contains(err.Error(), "the file is empty") || !strings.Contains(err.Error(), HostFile) {
		t.Errorf("empty host file: %v", err)
	}
	if got := onNode(t, sim, "cat "+HostFile+"; ls /etc/pve/priv/lock"); got != "\n  \n" {
		t.Errorf("the empty file was changed or the lock kept: %q", got)
	}
	onNode(t, sim, "rm "+HostFile+" && mkdir "+HostFile)
	if err := allocate(store); err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("a directory at the path: %v", err)
	}
	onNode(t, sim, "rmdir "+HostFile)
	if err := allocate(store); err != nil {
		t.Errorf("a missing file is a new table: %v", err)
	}

	path := filepath.Join(t.TempDir(), "allocations.json")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := allocate(&LocalStore{Path: path}); err == nil || !strings.Contains(err.Error(), "the file is empty") {
		t.Errorf("empty local file: %v", err)
	}
	if st, _ := os.Stat(path); st.Size() != 0 {
		t.Error("the empty local file was overwritten")
	}
	dup := `{"version":1,"allocations":[{"id":"a","public_port":8100,"internal_port":9100},{"id":"a","public_port":8101,"internal_port":9101}]}`
	_ = os.WriteFile(path, []byte(dup), 0o600)
	if err := allocate(&LocalStore{Path: path}); err == nil || !strings.Contains(err.Error(), "the id a appears twice") {
		t.Errorf("duplicate ids: %v", err)
	}
	_ = os.WriteFile(path, []byte(`{"version":1,"allocations":[{"id":"a","public_port":70000,"internal_port":9100}]}`), 0o600)
	if err := allocate(&LocalStore{Path: path}); err == nil || !strings.Contains(err.Error(), "outside 1-65535") {
		t.Errorf("impossible port: %v", err)
	}
	// A temporary file a killed writer left is cleaned up by the next one.
	_ = os.Remove(path)
	leftover := filepath.Join(filepath.Dir(path), ".allocations.json.tmp-123")
	_ = os.WriteFile(leftover, []byte("half"), 0o600)
	if err := allocate(&LocalStore{Path: path}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !errors.Is(err, os.ErrNotExist) {
		t.Error("the leftover temporary file stays")
	}
}

// scriptSession runs the host script on a node with a live conversation.
type scriptSession struct {
	in   *io.PipeWriter
	out  *bufio.Reader
	done chan int
}

func startScript(t *testing.T, sim *pvesim.Simulator, node string) *scriptSession {
	t.Helper()
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	s := &scriptSession{in: inW, out: bufio.NewReader(outR), done: make(chan int, 1)}
	go func() {
		code, _ := sim.RunOnNode(context.Background(), node, hostScript, inR, outW, io.Discard)
		outW.Close()
		s.done <- code
	}()
	return s
}

func (s *scriptSession) until(t *testing.T, marker string) {
	t.Helper()
	if err := waitForLine(s.out, marker); err != nil {
		t.Fatal(err)
	}
}

func (s *scriptSession) exit(t *testing.T) int {
	t.Helper()
	go func() { _, _ = io.Copy(io.Discard, s.out) }()
	select {
	case code := <-s.done:
		return code
	case <-time.After(10 * time.Second):
		t.Fatal("the script did not end")
		return -1
	}
}

// TestTornWriteLeavesTheFileIntact: content that stops short of its framed
// length (a connection dropped mid-write) is never installed.
func TestTornWriteLeavesTheFileIntact(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	if err := hostStore(t, sim, "pve1").Update(context.Background(), func(tb *Table) error {
		_, err := tb.Allocate(Request{Owner: "first", Public: pub, Internal: in})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	before := onNode(t, sim, "cat "+HostFile)
	full := []byte(`{"version":1,"allocations":[]}` + "\n")
	sum := sha256.Sum256(full)
	s := startScript(t, sim, "pve3")
	s.until(t, lockedMarker)
	fmt.Fprintf(s.in, "GO\nWRITE %d %s\n", len(full), hex.EncodeToString(sum[:]))
	if _, err := s.in.Write(full[:10]); err != nil {
		t.Fatal(err)
	}
	s.in.Close() // the connection drops
	if code := s.exit(t); code != exitIncomplete {
		t.Errorf("exit status %d, want %d", code, exitIncomplete)
	}
	if after := onNode(t, sim, "cat "+HostFile+"; ls /etc/pve/proximity /etc/pve/priv/lock"); after != before+"allocations.json\n" {
		t.Errorf("after a torn write:\n%s\nwant the file as before, no temporary file, no lock", after)
	}
}

// TestCancelledWaiterLeavesNoLock: a client that gives up while its script
// waits for the lock leaves no lock behind once the script gets it.
func TestCancelledWaiterLeavesNoLock(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	onNode(t, sim, "mkdir "+HostLock)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := hostStore(t, sim, "pve2").Update(ctx, func(*Table) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("cancelled waiter: %v", err)
	}
	onNode(t, sim, "rmdir "+HostLock) // the other holder is done
	time.Sleep(2 * time.Second)
	if got := onNode(t, sim, "ls /etc/pve/priv/lock"); got != "" {
		t.Errorf("an orphan lock: %q", got)
	}
	start := time.Now()
	if err := hostStore(t, sim, "pve3").Update(context.Background(), func(*Table) error { return nil }); err != nil || time.Since(start) > time.Second {
		t.Errorf("the next run: %v after %s", err, time.Since(start))
	}
}

// TestLockBrokenUnderASlowHolderIsFenced: with a 1 s lock lifetime, a
// holder slower than that loses the lock to a waiter; its write is refused
// and it does not release the new holder's lock, so no pair is lost or
// granted twice.
func TestLockBrokenUnderASlowHolderIsFenced(t *testing.T) {
	sim := startSim(t, time.Second)
	slow, fast := hostStore(t, sim, "pve1"), hostStore(t, sim, "pve2")
	var wg sync.WaitGroup
	var slowErr error
	var slowPair, fastPair Allocation
	wg.Add(1)
	go func() {
		defer wg.Done()
		slowErr = slow.Update(context.Background(), func(tb *Table) error {
			time.Sleep(2 * time.Second)
			var err error
			slowPair, err = tb.Allocate(Request{Owner: "slow", Public: pub, Internal: in})
			return err
		})
	}()
	time.Sleep(200 * time.Millisecond)
	if err := fast.Update(context.Background(), func(tb *Table) error {
		var err error
		fastPair, err = tb.Allocate(Request{Owner: "fast", Public: pub, Internal: in})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if slowErr == nil || !strings.Contains(slowErr.Error(), "taken over") {
		t.Errorf("the slow holder's write: %v (pair %+v)", slowErr, slowPair)
	}
	var table *Table
	if err := fast.Update(context.Background(), func(tb *Table) error { table = tb.clone(); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(table.Allocations) != 1 || table.Allocations[0].ID != fastPair.ID {
		t.Errorf("table %+v, want only the fast holder's %+v", table.Allocations, fastPair)
	}
}
