package allocstore

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	pub = Range{8100, 8999}
	in  = Range{9100, 9999}
)

func allocate(t *testing.T, s Store, req Request) Allocation {
	t.Helper()
	var a Allocation
	err := s.Update(context.Background(), func(tb *Table) error {
		var err error
		a, err = tb.Allocate(req)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestLocalAllocateRequestRelease(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "proximity")
	s := &LocalStore{Path: filepath.Join(dir, "allocations.json")}
	a := allocate(t, s, Request{Owner: "web", Public: pub, Internal: in})
	b := allocate(t, s, Request{Owner: "db", Public: pub, Internal: in})
	if a.PublicPort != 8100 || a.InternalPort != 9100 || b.PublicPort != 8101 || b.InternalPort != 9101 {
		t.Fatalf("pairs %+v %+v", a, b)
	}
	// Ports recorded on containers count as used.
	c := allocate(t, s, Request{Public: pub, Internal: in, ClusterPublic: Holders{8102: "CT 105"}, ClusterInternal: Holders{9102: "CT 105"}})
	if c.PublicPort != 8103 || c.InternalPort != 9103 {
		t.Errorf("cluster ports not skipped: %+v", c)
	}
	err := s.Update(context.Background(), func(tb *Table) error {
		_, err := tb.Allocate(Request{PublicPort: 8100, Public: pub, Internal: in})
		return err
	})
	var taken *PortTakenError
	if !errors.As(err, &taken) || !strings.Contains(err.Error(), `"web" (allocation `+a.ID+`)`) {
		t.Errorf("requested taken port: %v", err)
	}
	err = s.Update(context.Background(), func(tb *Table) error {
		_, err := tb.Allocate(Request{PublicPort: 80, Public: pub, Internal: in})
		return err
	})
	var outside *OutOfRangeError
	if !errors.As(err, &outside) || *outside != (OutOfRangeError{Port: 80, Range: pub}) ||
		err.Error() != "public port 80 is outside the public range 8100-8999" {
		t.Errorf("outside range: %v", err)
	}
	d := allocate(t, s, Request{PublicPort: 8500, Public: pub, Internal: in})
	if d.PublicPort != 8500 || d.InternalPort != 9102 {
		t.Errorf("requested port: %+v", d)
	}
	for i := 0; i < 2; i++ { // release is idempotent
		if err := s.Update(context.Background(), func(tb *Table) error { tb.Release(a.ID); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if e := allocate(t, s, Request{Public: pub, Internal: in}); e.PublicPort != 8100 {
		t.Errorf("released port not reused: %+v", e)
	}
	st, _ := os.Stat(s.Path)
	dst, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o600 || dst.Mode().Perm() != 0o700 {
		t.Errorf("modes file %v dir %v", st.Mode().Perm(), dst.Mode().Perm())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, ".allocations.json.tmp-*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

func TestExhaustion(t *testing.T) {
	s := &LocalStore{Path: filepath.Join(t.TempDir(), "a.json")}
	small := Range{8100, 8101}
	allocate(t, s, Request{Public: small, Internal: in})
	allocate(t, s, Request{Public: small, Internal: in})
	err := s.Update(context.Background(), func(tb *Table) error { _, err := tb.Allocate(Request{Public: small, Internal: in}); return err })
	// The advice to widen public_port_range is the provider's (TestLowerLayerErrorDiagnostics).
	var exhausted *ExhaustedError
	if !errors.As(err, &exhausted) || *exhausted != (ExhaustedError{Kind: "public", Range: small, Used: 2}) ||
		err.Error() != "all 2 public ports in 8100-8101 are in use (2 allocated)" {
		t.Errorf("exhausted: %v", err)
	}
}

func TestCorruptFileIsNeverOverwritten(t *testing.T) {
	s := &LocalStore{Path: filepath.Join(t.TempDir(), "a.json")}
	for _, garbage := range []string{`{"version": 1, "allocations": [`, `[]`, `{"allocations": []}`} {
		if err := os.WriteFile(s.Path, []byte(garbage), 0o600); err != nil {
			t.Fatal(err)
		}
		err := s.Update(context.Background(), func(tb *Table) error { _, err := tb.Allocate(Request{Public: pub, Internal: in}); return err })
		var corrupt *CorruptError
		if !errors.As(err, &corrupt) || !strings.Contains(err.Error(), s.Path) || !strings.Contains(err.Error(), "move it aside") {
			t.Errorf("%q: %v", garbage, err)
		}
		if got, _ := os.ReadFile(s.Path); string(got) != garbage {
			t.Errorf("the corrupt file was changed to %q", got)
		}
	}
	if err := os.WriteFile(s.Path, []byte(`{"version": 9, "allocations": []}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Update(context.Background(), func(*Table) error { return nil }); err == nil || !strings.Contains(err.Error(), "upgrade the provider") {
		t.Errorf("newer version: %v", err)
	}
}

func TestFailedUpdateWritesNothing(t *testing.T) {
	s := &LocalStore{Path: filepath.Join(t.TempDir(), "a.json")}
	allocate(t, s, Request{Owner: "keep", Public: pub, Internal: in})
	before, _ := os.ReadFile(s.Path)
	boom := errors.New("boom")
	err := s.Update(context.Background(), func(tb *Table) error {
		_, _ = tb.Allocate(Request{Public: pub, Internal: in})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(s.Path); string(after) != string(before) {
		t.Error("a failed update changed the file")
	}
}

func TestRestoreAndOwner(t *testing.T) {
	tb := &Table{Version: FileVersion}
	a := Allocation{ID: "pa-1", PublicPort: 8100, InternalPort: 9100}
	if c := tb.Restore(a); c != nil {
		t.Fatal(c)
	}
	if c := tb.Restore(Allocation{ID: "pa-2", PublicPort: 8100, InternalPort: 9200}); c == nil || c.ID != "pa-1" {
		t.Errorf("conflict not reported: %v", c)
	}
	tb.SetOwner("pa-1", "new")
	if got, _ := tb.Get("pa-1"); got.Owner != "new" {
		t.Errorf("owner %q", got.Owner)
	}
	if got, ok := tb.ByPublicPort(8100); !ok || got.ID != "pa-1" {
		t.Errorf("by port %+v", got)
	}
}
