package allocstore

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// Store is a place for the allocation file.
type Store interface {
	// Update runs fn on the table under the store's lock and writes the
	// result if fn changed it; when fn fails nothing is written.
	Update(ctx context.Context, fn func(t *Table) error) error
	// Read returns the table as it is, without the lock and without writing
	// anything (read.go): what a plan and a refresh use.
	Read(ctx context.Context) (*Table, error)
	// Location names the file for messages.
	Location() string
}

// LocalStore keeps the file on the machine running Terraform, under an
// exclusive OS file lock (flock) on a lock file beside it. The kernel drops
// the lock of a process that dies, so a killed run never blocks the next.
type LocalStore struct {
	Path string

	// The last content this store read or wrote, and its table: a file that
	// still holds exactly these bytes need not be parsed again.
	cacheMu    sync.Mutex
	cacheBytes []byte
	cacheTable *Table
}

func (s *LocalStore) Location() string { return s.Path }

func (s *LocalStore) Update(ctx context.Context, fn func(t *Table) error) error {
	dir := filepath.Dir(s.Path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("creating the folder of the allocation file %s: %w", s.Path, err)
	}
	lock := flock.New(s.Path + ".lock")
	locked, err := lock.TryLockContext(ctx, 5*time.Millisecond)
	if err != nil || !locked {
		return fmt.Errorf("locking the allocation file %s: %w", s.Path, orCtx(err, ctx))
	}
	// flock(LOCK_UN) on a descriptor we hold fails only if it is bad; the
	// update's own result is what the caller needs, so that is discarded.
	defer func() { _ = lock.Unlock() }()

	removeStaleTemps(s.Path)
	var t *Table
	before, err := os.ReadFile(s.Path)
	switch {
	case os.IsNotExist(err):
		t = newTable()
	case err != nil:
		return fmt.Errorf("reading the allocation file %s: %w; it was not changed", s.Path, err)
	default:
		if t, err = s.parse(before); err != nil {
			return err
		}
	}
	if err := fn(t); err != nil {
		return err
	}
	after := t.marshal()
	if bytes.Equal(before, after) {
		return nil
	}
	if err := writeAtomic(s.Path, after); err != nil {
		return err
	}
	s.remember(after, t)
	return nil
}

// parse reads the table, reusing the cached one when the bytes are the same.
func (s *LocalStore) parse(data []byte) (*Table, error) {
	s.cacheMu.Lock()
	if s.cacheTable != nil && bytes.Equal(data, s.cacheBytes) {
		t := s.cacheTable.clone()
		s.cacheMu.Unlock()
		return t, nil
	}
	s.cacheMu.Unlock()
	t, err := parseTable(data, s.Path)
	if err == nil {
		s.remember(data, t)
	}
	return t, err
}

func (s *LocalStore) remember(data []byte, t *Table) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	s.cacheBytes = append(s.cacheBytes[:0], data...)
	s.cacheTable = t.clone()
}

func orCtx(err error, ctx context.Context) error {
	if err != nil {
		return err
	}
	return ctx.Err()
}

// removeStaleTemps deletes temporary files that a writer killed between
// creating and renaming them left; under the lock no writer is running.
func removeStaleTemps(path string) {
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*"))
	for _, f := range leftovers {
		_ = os.Remove(f)
	}
}

// writeAtomic replaces a file by a synced temporary file in the same folder,
// so a crash leaves either the old or the new content, never a mix.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing the allocation file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the allocation file %s: %w", path, err)
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing the allocation file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("replacing the allocation file %s: %w", path, err)
	}
	if d, err := os.Open(filepath.Dir(path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}
