package deploy

import (
	"strconv"
	"strings"
)

// Quote makes one shell word that a POSIX shell reads back as exactly s,
// whatever it holds: spaces, quotes, $, backslashes, newlines.
func Quote(s string) string {
	if s != "" && strings.IndexFunc(s, needsQuoting) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// needsQuoting: r is not one of the characters a shell reads as itself in a
// word.
func needsQuoting(r rune) bool {
	plain := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:=@%+,", r)
	return !plain
}

// Command joins argv into one shell command line that runs exactly argv.
func Command(argv ...string) string {
	words := make([]string, len(argv))
	for i, a := range argv {
		words[i] = Quote(a)
	}
	return strings.Join(words, " ")
}

// PctExec is the node command that runs argv inside a container. pct passes
// argv on without a shell, so the quoting is the node shell's only.
func PctExec(vmid int, argv ...string) string {
	return Command(append([]string{"pct", "exec", strconv.Itoa(vmid), "--"}, argv...)...)
}

// PctExecScript runs a shell script inside a container with sh -c.
func PctExecScript(vmid int, script string) string {
	return PctExec(vmid, "sh", "-c", script)
}
