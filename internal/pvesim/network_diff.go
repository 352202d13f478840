package pvesim

import (
	"fmt"
	"strings"
	"time"
)

// unifiedDiff is what INotify.pm ccache_compute_diff returns for a file and
// its shadow: the output of `diff -b -N -u old new` (three lines of context,
// headers with the files' modification times).
func unifiedDiff(oldName, newName, oldText, newText string, n *node) string {
	if oldText == newText {
		return ""
	}
	a, b := diffLines(oldText), diffLines(newText)
	ops := lcsOps(a, b)
	stamp := func(p string) string {
		t := time.Unix(0, 0)
		if st, err := n.FS.Stat(p); err == nil {
			t = st.ModTime()
		}
		return t.Format("2006-01-02 15:04:05.000000000 -0700")
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\t%s\n+++ %s\t%s\n", oldName, stamp(oldName), newName, stamp(newName))
	const context = 3
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		// A hunk runs from context lines before the change to context lines
		// after the last change that is at most 2*context lines away.
		start := max(0, i-context)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].kind != ' ' {
				end = j
			} else if j-end > 2*context {
				break
			}
		}
		stop := min(len(ops), end+context+1)
		aStart, bStart, aLen, bLen := ops[start].ai, ops[start].bi, 0, 0
		for _, op := range ops[start:stop] {
			if op.kind != '+' {
				aLen++
			}
			if op.kind != '-' {
				bLen++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aLen), hunkRange(bStart, bLen))
		for _, op := range ops[start:stop] {
			out.WriteString(string(op.kind) + op.text + "\n")
		}
		i = stop
	}
	return out.String()
}

func hunkRange(start, length int) string {
	switch length {
	case 0:
		return fmt.Sprintf("%d,0", start)
	case 1:
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, length)
}

func diffLines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

type diffOp struct {
	kind   byte // ' ', '-', '+'
	text   string
	ai, bi int // positions in a and b where the op stands
}

// lcsOps is a line diff by longest common subsequence (the files are small).
func lcsOps(a, b []string) []diffOp {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var ops []diffOp
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			ops = append(ops, diffOp{' ', a[i], i, j})
			i++
			j++
		case i < n && (j == m || lcs[i+1][j] >= lcs[i][j+1]):
			// diff prints what goes before what comes.
			ops = append(ops, diffOp{'-', a[i], i, j})
			i++
		default:
			ops = append(ops, diffOp{'+', b[j], i, j})
			j++
		}
	}
	return ops
}
