package vfs

import (
	"io/fs"
	"sort"
	"strings"
	"time"
)

// Entry is one path of a serialised tree, for state files and backup archives.
type Entry struct {
	Path    string      `json:"path"`
	Mode    fs.FileMode `json:"mode"`
	ModTime time.Time   `json:"mtime"`
	Data    []byte      `json:"data,omitempty"`
}

// Export lists every path under prefix (parents first).
func (t *Tree) Export(prefix string) []Entry {
	t.mu.Lock()
	defer t.mu.Unlock()
	start, err := t.lookup(prefix)
	if err != nil {
		return nil
	}
	var out []Entry
	var walk func(p string, n *node)
	walk = func(p string, n *node) {
		out = append(out, Entry{Path: p, Mode: n.mode, ModTime: n.modTime, Data: n.data})
		names := make([]string, 0, len(n.children))
		for name := range n.children {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			walk(strings.TrimSuffix(p, "/")+"/"+name, n.children[name])
		}
	}
	walk(Clean(prefix), start)
	return out
}

// Import writes entries into the tree, creating parents as needed.
func (t *Tree) Import(entries []Entry) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range entries {
		parts := split(e.Path)
		n := t.root
		if len(parts) == 0 {
			n.mode, n.modTime = e.Mode, e.ModTime
			continue
		}
		for _, part := range parts[:len(parts)-1] {
			child, ok := n.children[part]
			if !ok {
				t.gen++
				child = &node{ino: t.gen, mode: fs.ModeDir | 0o755, modTime: e.ModTime, children: map[string]*node{}}
				n.children[part] = child
			}
			n = child
		}
		t.gen++
		leaf := &node{ino: t.gen, mode: e.Mode, modTime: e.ModTime}
		if e.Mode.IsDir() {
			if old, ok := n.children[parts[len(parts)-1]]; ok && old.mode.IsDir() {
				old.mode, old.modTime = e.Mode, e.ModTime
				continue
			}
			leaf.children = map[string]*node{}
		} else {
			leaf.data = append([]byte(nil), e.Data...)
			t.gen++
			leaf.gen = t.gen
		}
		if old, ok := n.children[parts[len(parts)-1]]; ok {
			t.acct.force(-subtreeBytes(old))
		}
		t.acct.force(int64(len(leaf.data)))
		n.children[parts[len(parts)-1]] = leaf
	}
}
