package shell

import (
	"fmt"
	"io/fs"
	"path"
	"strings"
	"syscall"
)

// chmodProgram is coreutils chmod [-Rcfv] MODE FILE...: MODE octal or
// symbolic (u+x, go-w, a=r, g=u, +X), applied with chmod(2) on the file
// system; an unknown MODE or a missing file is an error, as there.
func chmodProgram(c *Call) int {
	var recursive, verbose, changes, quiet bool
	mode := ""
	var files []string
	optionsDone := false
	for _, a := range c.Args[1:] {
		switch {
		case optionsDone:
			files = append(files, a)
		case a == "--":
			optionsDone = true
		case a == "--recursive":
			recursive = true
		case a == "--verbose":
			verbose = true
		case a == "--changes":
			changes = true
		case a == "--silent" || a == "--quiet":
			quiet = true
		case len(a) > 1 && a[0] == '-' && strings.Trim(a[1:], "Rcfv") == "":
			recursive = recursive || strings.ContainsRune(a, 'R')
			verbose = verbose || strings.ContainsRune(a, 'v')
			changes = changes || strings.ContainsRune(a, 'c')
			quiet = quiet || strings.ContainsRune(a, 'f')
		case mode == "":
			// "-w" and "-x" are modes here, not options.
			mode = a
		default:
			files = append(files, a)
		}
	}
	switch {
	case mode == "":
		fmt.Fprintf(c.Stderr, "chmod: missing operand\nTry 'chmod --help' for more information.\n")
		return 1
	case len(files) == 0:
		fmt.Fprintf(c.Stderr, "chmod: missing operand after '%s'\nTry 'chmod --help' for more information.\n", mode)
		return 1
	}
	if _, err := applyMode(mode, 0o644, false); err != nil {
		fmt.Fprintf(c.Stderr, "chmod: invalid mode: '%s'\nTry 'chmod --help' for more information.\n", mode)
		return 1
	}
	ch, ok := c.Env.FS.(Chmoder)
	code := 0
	var walk func(name, p string)
	walk = func(name, p string) {
		st, err := c.Env.FS.Stat(p)
		if err != nil {
			if !quiet {
				c.Errorf("cannot access '%s': %s", name, errText(err))
			}
			code = 1
			return
		}
		old := st.Mode()
		next, _ := applyMode(mode, old&(fs.ModePerm|specialBits), st.IsDir())
		err = &fs.PathError{Op: "chmod", Path: p, Err: syscall.EPERM}
		if ok {
			err = ch.Chmod(p, next)
		}
		switch {
		case err != nil:
			if !quiet {
				c.Errorf("changing permissions of '%s': %s", name, errText(err))
			}
			code = 1
		case verbose || (changes && next != old&(fs.ModePerm|specialBits)):
			if next == old&(fs.ModePerm|specialBits) {
				fmt.Fprintf(c.Stdout, "mode of '%s' retained as %04o (%s)\n", name, unixMode(next), modeString(old.Type()|next))
			} else {
				fmt.Fprintf(c.Stdout, "mode of '%s' changed from %04o (%s) to %04o (%s)\n", name,
					unixMode(old), modeString(old), unixMode(next), modeString(old.Type()|next))
			}
		}
		if recursive && st.IsDir() {
			entries, _ := c.Env.FS.ReadDir(p)
			for _, e := range entries {
				walk(path.Join(name, e.Name()), path.Join(p, e.Name()))
			}
		}
	}
	for _, f := range files {
		walk(f, c.Abs(f))
	}
	return code
}
