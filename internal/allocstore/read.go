package allocstore

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Reading the table takes no lock and writes nothing, so that a plan and a
// refresh leave the store as they found it. That is safe because every
// writer replaces the file whole: the local store renames a synced
// temporary file over it and the host script mv's one in on pmxcfs, so a
// reader sees the table before a write or after it, never half of it. What
// it read may be outdated a moment later; only Update decides anything on
// it.

// Read returns the table without the lock; a missing file is an empty table.
func (s *LocalStore) Read(ctx context.Context) (*Table, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := os.ReadFile(s.Path)
	switch {
	case os.IsNotExist(err):
		return newTable(), nil
	case err != nil:
		return nil, fmt.Errorf("reading the allocation file %s: %w", s.Path, err)
	}
	return s.parse(data)
}

// Read passes through: a read joins no batch.
func (g *GroupCommit) Read(ctx context.Context) (*Table, error) { return g.Store.Read(ctx) }

// hostReadScript prints the file, or says it is missing, in one SSH
// command that only reads: no cluster lock, no mkdir. A non-file at the
// path is an error, as in hostScript.
var hostReadScript = strings.NewReplacer("FILE", HostFile, "PRESENT", presentMarker, "MISSING", missingMarker,
	"E_UNREADABLE", fmt.Sprint(exitUnreadable)).Replace(`export LC_ALL=C
if [ -e FILE ] && [ ! -f FILE ]; then echo "FILE is not a regular file" >&2; exit E_UNREADABLE; fi
if [ -f FILE ]; then echo PRESENT; cat FILE || exit E_UNREADABLE; else echo MISSING; fi
`)

// Read returns the table through the first node that answers, without the
// cluster lock: pmxcfs serves reads without quorum too.
func (s *HostStore) Read(ctx context.Context) (*Table, error) {
	nodes, err := s.Nodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("choosing a node for the allocation file: %w", err)
	}
	if len(nodes) == 0 {
		return nil, errors.New("no online node to reach the allocation file on")
	}
	var lastErr error
	for _, node := range nodes {
		res, err := s.Runner.Run(ctx, node, hostReadScript, nil)
		switch {
		case err != nil:
			lastErr = fmt.Errorf("reading the allocation file through node %s: %w", node, err)
			if ctx.Err() != nil {
				return nil, lastErr
			}
			continue
		case res.ExitCode == exitUnreadable:
			return nil, &CorruptError{File: HostFile + " (via " + node + ")", Err: errors.New(strings.TrimSpace(res.Stderr))}
		case res.ExitCode != 0:
			return nil, fmt.Errorf("reading the allocation file through node %s: exit status %d: %s", node, res.ExitCode, strings.TrimSpace(res.Stderr))
		}
		return parseHostRead(res.Stdout, node)
	}
	return nil, lastErr
}

// parseHostRead reads hostReadScript's output: the marker line, then the file.
func parseHostRead(out, node string) (*Table, error) {
	r := bufio.NewReader(strings.NewReader(out))
	marker, _ := r.ReadString('\n')
	switch strings.TrimRight(marker, "\r\n") {
	case missingMarker:
		return newTable(), nil
	case presentMarker:
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r)
		return parseTable(buf.Bytes(), HostFile+" (via "+node+")")
	}
	return nil, fmt.Errorf("unexpected answer %q reading the allocation file through node %s", strings.TrimSpace(marker), node)
}
