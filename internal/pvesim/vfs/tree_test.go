package vfs

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"sync"
	"testing"
	"time"
)

func TestMkdirIsAtomic(t *testing.T) {
	tree := New()
	var wg sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if tree.Mkdir("/lock", 0o755) == nil {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if winners != 1 {
		t.Fatalf("%d goroutines created the same directory", winners)
	}
	if err := tree.Mkdir("/lock", 0o755); !errors.Is(err, fs.ErrExist) {
		t.Errorf("second mkdir: %v", err)
	}
}

func TestFileOperations(t *testing.T) {
	tree := New()
	if err := tree.WriteFile("/missing/dir/f", nil, 0o644); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("write without parent: %v", err)
	}
	must(t, tree.MkdirAll("/a/b", 0o755))
	must(t, tree.WriteFile("/a/b/f", []byte("one"), 0o600))
	if err := tree.Remove("/a"); err == nil {
		t.Error("removed a non-empty directory")
	}
	must(t, tree.Rename("/a/b/f", "/a/g"))
	if data, _ := tree.ReadFile("/a/g"); string(data) != "one" {
		t.Errorf("after rename: %q", data)
	}
	h, err := tree.Open("/a/g", os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, _ = io.WriteString(h, "+two")
	must(t, h.Close())
	if data, _ := tree.ReadFile("/a/g"); string(data) != "one+two" {
		t.Errorf("after append: %q", data)
	}
	if st, _ := tree.Stat("/a/g"); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode())
	}
	must(t, tree.Chtimes("/a", time.Unix(0, 0)))
	if st, _ := tree.Stat("/a"); st.ModTime().Unix() != 0 {
		t.Errorf("mtime %v", st.ModTime())
	}
	copyTree := New()
	copyTree.Import(tree.Export("/"))
	if data, _ := copyTree.ReadFile("/a/g"); string(data) != "one+two" {
		t.Errorf("export/import: %q", data)
	}
	must(t, tree.RemoveAll("/a"))
	if _, err := tree.Stat("/a/g"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("after RemoveAll: %v", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
