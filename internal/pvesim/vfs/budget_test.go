package vfs

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

// A write that would take the tree past its capacity fails with ENOSPC and
// changes nothing; the tree goes on working, and removing files gives their
// bytes back.
func TestWritePastCapacityIsENOSPC(t *testing.T) {
	tree := New()
	tree.SetCapacity(1000)
	if err := tree.WriteFile("/a", make([]byte, 600), 0o644); err != nil {
		t.Fatal(err)
	}
	err := tree.WriteFile("/b", make([]byte, 600), 0o644)
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("write past the capacity: %v, want ENOSPC", err)
	}
	if _, err := tree.Stat("/b"); err == nil {
		t.Error("the refused write created its file")
	}
	if err := tree.WriteFile("/small", []byte("fits\n"), 0o644); err != nil {
		t.Errorf("a small write after the refusal: %v", err)
	}
	if err := tree.Remove("/a"); err != nil {
		t.Fatal(err)
	}
	if err := tree.WriteFile("/b", make([]byte, 600), 0o644); err != nil {
		t.Errorf("a write after rm freed the space: %v", err)
	}
	if got := tree.Size(); got != 605 {
		t.Errorf("Size = %d, want 605", got)
	}
}

// Replacing, truncating, renaming over and removing whole directories all
// keep the total right, so the budget neither leaks nor goes negative.
func TestCapacityFollowsReplaceRenameRemoveAll(t *testing.T) {
	tree := New()
	tree.SetCapacity(1000)
	_ = tree.WriteFile("/f", make([]byte, 900), 0o644)
	if err := tree.WriteFile("/f", make([]byte, 950), 0o644); err != nil {
		t.Errorf("growing a file within the capacity: %v", err)
	}
	_ = tree.WriteFile("/f", []byte("x"), 0o644)
	_ = tree.MkdirAll("/d/e", 0o755)
	_ = tree.WriteFile("/d/e/g", make([]byte, 300), 0o644)
	_ = tree.WriteFile("/d/h", make([]byte, 200), 0o644)
	_ = tree.WriteFile("/src", make([]byte, 100), 0o644)
	if err := tree.Rename("/src", "/d/h"); err != nil {
		t.Fatal(err)
	}
	if got := tree.Size(); got != 401 {
		t.Errorf("after replace and rename: Size = %d, want 401", got)
	}
	if err := tree.RemoveAll("/d"); err != nil {
		t.Fatal(err)
	}
	if got := tree.Size(); got != 1 {
		t.Errorf("after RemoveAll: Size = %d, want 1", got)
	}
	tree.Import([]Entry{{Path: "/imported", Mode: 0o644, Data: make([]byte, 50)}, {Path: "/f", Mode: 0o644, Data: []byte("yz")}})
	if got := tree.Size(); got != 52 {
		t.Errorf("after Import: Size = %d, want 52", got)
	}
}

// A redirection that writes without end (head -c 10G /dev/zero > f) stops at
// the full disk: the write that crosses the capacity takes what fits and
// returns ENOSPC, the file keeps what was written, and removing it frees all.
func TestHandleWriteStopsAtCapacity(t *testing.T) {
	tree := New()
	tree.SetCapacity(1000)
	h, err := tree.Open("/f", os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("z"), 300)
	var written int
	for range 10 {
		n, err := h.Write(chunk)
		written += n
		if err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("write error %v, want ENOSPC", err)
			}
			break
		}
	}
	if written != 1000 {
		t.Errorf("wrote %d bytes before ENOSPC, want 1000", written)
	}
	if err := h.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if st, _ := tree.Stat("/f"); st == nil || st.Size() != 1000 {
		t.Errorf("the file after ENOSPC: %v", st)
	}
	if err := tree.WriteFile("/more", []byte("x"), 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("a write on the full tree: %v, want ENOSPC", err)
	}
	_ = tree.Remove("/f")
	if tree.Size() != 0 {
		t.Errorf("Size after removing the file = %d", tree.Size())
	}
	if err := tree.WriteFile("/more", []byte("x"), 0o644); err != nil {
		t.Errorf("a write after freeing: %v", err)
	}
}

// Whatever each tree's capacity, all trees together stop at the resident
// ceiling, so no write can take the machine's memory.
func TestResidentCeilingBoundsAllTrees(t *testing.T) {
	a, b := New(), New()
	prev := SetResidentLimit(Resident() + 1000)
	defer SetResidentLimit(prev)
	if err := a.WriteFile("/x", make([]byte, 700), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.WriteFile("/y", make([]byte, 700), 0o644); !errors.Is(err, syscall.ENOSPC) {
		t.Errorf("a second tree past the ceiling: %v, want ENOSPC", err)
	}
	_ = a.Remove("/x")
	if err := b.WriteFile("/y", make([]byte, 700), 0o644); err != nil {
		t.Errorf("after the first tree freed its bytes: %v", err)
	}
	_ = b.Remove("/y")
}

// chmod(2) changes the permission bits (setuid, setgid and sticky too) and
// nothing else; rewriting a file keeps its mode, as open(2) of an existing
// file does.
func TestChmodKeepsModes(t *testing.T) {
	tree := New()
	_ = tree.WriteFile("/s", []byte("#!/bin/sh\n"), 0o644)
	if err := tree.Chmod("/s", 0o755|fs.ModeSetuid); err != nil {
		t.Fatal(err)
	}
	_ = tree.WriteFile("/s", []byte("#!/bin/sh\necho\n"), 0o600)
	st, _ := tree.Stat("/s")
	if st.Mode() != 0o755|fs.ModeSetuid {
		t.Errorf("mode = %v, want -rwsr-xr-x", st.Mode())
	}
	_ = tree.Mkdir("/tmp", 0o755)
	_ = tree.Chmod("/tmp", 0o777|fs.ModeSticky)
	if st, _ := tree.Stat("/tmp"); st.Mode() != fs.ModeDir|fs.ModeSticky|0o777 {
		t.Errorf("dir mode = %v, want drwxrwxrwt", st.Mode())
	}
	if err := tree.Chmod("/missing", 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("chmod of a missing path: %v", err)
	}
}
