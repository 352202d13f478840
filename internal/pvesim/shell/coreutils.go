package shell

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// CoreUtils are the file and text tools every simulated machine has.
func CoreUtils() map[string]Program {
	return map[string]Program{
		"sh": shProgram, "bash": shProgram, "cat": catProgram, "mkdir": mkdirProgram, "rmdir": rmdirProgram,
		"rm": rmProgram, "mv": mvProgram, "cp": cpProgram, "touch": touchProgram, "ls": lsProgram,
		"stat": statProgram, "date": dateProgram, "sleep": sleepProgram, "head": headProgram, "tail": tailProgram,
		"wc": wcProgram, "grep": grepProgram, "tee": teeProgram, "chmod": chmodProgram, "mktemp": mktempProgram,
		"sync": func(*Call) int { return 0 }, "id": idProgram, "base64": base64Program, "sha256sum": sha256Program,
		"env": envProgram, "flock": flockProgram, "basename": basenameProgram, "dirname": dirnameProgram,
		"chown": func(*Call) int { return 0 }, "sed": sedProgram, "awk": awkProgram, "cut": cutProgram,
		"tr": trProgram, "sort": sortProgram, "uniq": uniqProgram, "xargs": xargsProgram, "timeout": timeoutProgram,
	}
}

// flags splits leading single-letter options ("-rf" -> r, f) from operands.
func flags(args []string) (map[rune]bool, []string) {
	set := map[rune]bool{}
	for len(args) > 0 && len(args[0]) > 1 && args[0][0] == '-' && args[0] != "--" {
		for _, r := range args[0][1:] {
			set[r] = true
		}
		args = args[1:]
	}
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	return set, args
}

func catProgram(c *Call) int {
	_, files := flags(c.Args[1:])
	if len(files) == 0 {
		files = []string{"-"}
	}
	code := 0
	for _, f := range files {
		var err error
		if f == "-" {
			_, err = io.Copy(c.Stdout, c.Stdin)
		} else {
			var data []byte
			if data, err = c.Env.FS.ReadFile(c.Abs(f)); err != nil {
				code = c.Errorf("%s: %s", f, errText(err))
				continue
			}
			_, err = c.Stdout.Write(data)
		}
		// A full or refusing output (pmxcfs's 1 MiB limit) is cat's write error.
		if err != nil {
			return c.Errorf("write error: %s", errText(err))
		}
	}
	return code
}

func mkdirProgram(c *Call) int {
	args := c.Args[1:]
	parents := false
	mode := fs.FileMode(0o755)
	var dirs []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-p":
			parents = true
		case a == "-m" && i+1 < len(args):
			m, err := strconv.ParseUint(args[i+1], 8, 32)
			if err != nil {
				return c.Errorf("invalid mode '%s'", args[i+1])
			}
			mode = fs.FileMode(m)
			i++
		case strings.HasPrefix(a, "-") && len(a) > 1:
			if strings.Contains(a, "p") {
				parents = true
			}
		default:
			dirs = append(dirs, a)
		}
	}
	if len(dirs) == 0 {
		return c.Errorf("missing operand")
	}
	code := 0
	for _, d := range dirs {
		var err error
		if parents {
			err = c.Env.FS.MkdirAll(c.Abs(d), mode)
		} else {
			err = c.Env.FS.Mkdir(c.Abs(d), mode)
		}
		if err != nil {
			code = c.Errorf("cannot create directory '%s': %s", d, errText(err))
		}
	}
	return code
}

func rmdirProgram(c *Call) int {
	_, dirs := flags(c.Args[1:])
	if len(dirs) == 0 {
		return c.Errorf("missing operand")
	}
	code := 0
	for _, d := range dirs {
		st, err := c.Env.FS.Stat(c.Abs(d))
		if err == nil && !st.IsDir() {
			code = c.Errorf("failed to remove '%s': Not a directory", d)
			continue
		}
		if err == nil {
			err = c.Env.FS.Remove(c.Abs(d))
		}
		if err != nil {
			code = c.Errorf("failed to remove '%s': %s", d, errText(err))
		}
	}
	return code
}

func rmProgram(c *Call) int {
	f, targets := flags(c.Args[1:])
	force, recursive := f['f'], f['r'] || f['R']
	code := 0
	for _, t := range targets {
		p := c.Abs(t)
		st, err := c.Env.FS.Stat(p)
		switch {
		case err != nil:
			if !force {
				code = c.Errorf("cannot remove '%s': %s", t, errText(err))
			}
		case st.IsDir() && !recursive:
			code = c.Errorf("cannot remove '%s': Is a directory", t)
		case st.IsDir():
			if err := c.Env.FS.RemoveAll(p); err != nil {
				code = c.Errorf("cannot remove '%s': %s", t, errText(err))
			}
		default:
			if err := c.Env.FS.Remove(p); err != nil {
				code = c.Errorf("cannot remove '%s': %s", t, errText(err))
			}
		}
	}
	if len(targets) == 0 && !force {
		return c.Errorf("missing operand")
	}
	return code
}

func mvProgram(c *Call) int {
	_, args := flags(c.Args[1:])
	if len(args) != 2 {
		return c.Errorf("usage: mv SOURCE DEST")
	}
	src, dst := c.Abs(args[0]), c.Abs(args[1])
	if _, err := c.Env.FS.Stat(src); err != nil {
		return c.Errorf("cannot stat '%s': %s", args[0], errText(err))
	}
	if st, err := c.Env.FS.Stat(dst); err == nil && st.IsDir() {
		dst = path.Join(dst, path.Base(src))
	}
	if err := c.Env.FS.Rename(src, dst); err != nil {
		if strings.Contains(err.Error(), "cross-device") {
			// mv falls back to copy and delete across file systems.
			data, rerr := c.Env.FS.ReadFile(src)
			if rerr != nil {
				return c.Errorf("cannot move '%s' to '%s': %s", args[0], args[1], errText(rerr))
			}
			if werr := c.Env.FS.WriteFile(dst, data, 0o644); werr != nil {
				return c.Errorf("cannot move '%s' to '%s': %s", args[0], args[1], errText(werr))
			}
			_ = c.Env.FS.Remove(src)
			return 0
		}
		return c.Errorf("cannot move '%s' to '%s': %s", args[0], args[1], errText(err))
	}
	return 0
}

func cpProgram(c *Call) int {
	f, args := flags(c.Args[1:])
	if len(args) != 2 {
		return c.Errorf("usage: cp [-r] SOURCE DEST")
	}
	src, dst := c.Abs(args[0]), c.Abs(args[1])
	st, err := c.Env.FS.Stat(src)
	if err != nil {
		return c.Errorf("cannot stat '%s': %s", args[0], errText(err))
	}
	if dst2, derr := c.Env.FS.Stat(dst); derr == nil && dst2.IsDir() {
		dst = path.Join(dst, path.Base(src))
	}
	if st.IsDir() {
		if !f['r'] && !f['R'] && !f['a'] {
			return c.Errorf("-r not specified; omitting directory '%s'", args[0])
		}
		return copyTree(c, src, dst)
	}
	data, err := c.Env.FS.ReadFile(src)
	if err == nil {
		err = c.Env.FS.WriteFile(dst, data, st.Mode().Perm())
	}
	if err != nil {
		return c.Errorf("cannot create regular file '%s': %s", args[1], errText(err))
	}
	return 0
}

func copyTree(c *Call, src, dst string) int {
	if err := c.Env.FS.MkdirAll(dst, 0o755); err != nil {
		return c.Errorf("cannot create directory '%s': %s", dst, errText(err))
	}
	entries, _ := c.Env.FS.ReadDir(src)
	for _, e := range entries {
		s, d := path.Join(src, e.Name()), path.Join(dst, e.Name())
		if e.IsDir() {
			if code := copyTree(c, s, d); code != 0 {
				return code
			}
			continue
		}
		data, err := c.Env.FS.ReadFile(s)
		if err == nil {
			err = c.Env.FS.WriteFile(d, data, 0o644)
		}
		if err != nil {
			return c.Errorf("cannot copy '%s': %s", s, errText(err))
		}
	}
	return 0
}

// touchProgram supports -c and -d @EPOCH, which pmxcfs lock breaking uses.
func touchProgram(c *Call) int {
	args := c.Args[1:]
	when := time.Now()
	noCreate := false
	var files []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-c":
			noCreate = true
		case (a == "-d" || a == "-t") && i+1 < len(args):
			t, err := parseDate(args[i+1])
			if err != nil {
				return c.Errorf("invalid date format '%s'", args[i+1])
			}
			when = t
			i++
		case strings.HasPrefix(a, "--date="):
			t, err := parseDate(strings.TrimPrefix(a, "--date="))
			if err != nil {
				return c.Errorf("invalid date format '%s'", a)
			}
			when = t
		default:
			files = append(files, a)
		}
	}
	if len(files) == 0 {
		return c.Errorf("missing file operand")
	}
	code := 0
	for _, f := range files {
		p := c.Abs(f)
		if _, err := c.Env.FS.Stat(p); err != nil {
			if noCreate {
				continue
			}
			if err := c.Env.FS.WriteFile(p, nil, 0o644); err != nil {
				code = c.Errorf("cannot touch '%s': %s", f, errText(err))
				continue
			}
		}
		if err := c.Env.FS.Chtimes(p, when); err != nil {
			code = c.Errorf("setting times of '%s': %s", f, errText(err))
		}
	}
	return code
}

func parseDate(s string) (time.Time, error) {
	if epoch, ok := strings.CutPrefix(s, "@"); ok {
		n, err := strconv.ParseInt(epoch, 10, 64)
		return time.Unix(n, 0), err
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date")
}

func lsProgram(c *Call) int {
	f, targets := flags(c.Args[1:])
	if len(targets) == 0 {
		targets = []string{"."}
	}
	code := 0
	for _, t := range targets {
		p := c.Abs(t)
		st, err := c.Env.FS.Stat(p)
		if err != nil {
			code = 2
			fmt.Fprintf(c.Stderr, "ls: cannot access '%s': %s\n", t, errText(err))
			continue
		}
		if !st.IsDir() || f['d'] {
			printEntry(c, f['l'], st, t)
			continue
		}
		entries, _ := c.Env.FS.ReadDir(p)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") && !f['a'] {
				continue
			}
			info, _ := e.Info()
			printEntry(c, f['l'], info, e.Name())
		}
	}
	return code
}

func printEntry(c *Call, long bool, st fs.FileInfo, name string) {
	if !long {
		fmt.Fprintln(c.Stdout, name)
		return
	}
	fmt.Fprintf(c.Stdout, "%s 1 root root %d %s %s\n", modeString(st.Mode()), st.Size(), st.ModTime().Format("Jan _2 15:04"), name)
}

// statProgram supports -c FORMAT with %n %s %Y %a %A %i %F.
func statProgram(c *Call) int {
	args := c.Args[1:]
	format := ""
	var files []string
	for i := 0; i < len(args); i++ {
		if (args[i] == "-c" || args[i] == "--format") && i+1 < len(args) {
			format = args[i+1]
			i++
			continue
		}
		if strings.HasPrefix(args[i], "--format=") {
			format = strings.TrimPrefix(args[i], "--format=")
			continue
		}
		files = append(files, args[i])
	}
	code := 0
	for _, f := range files {
		st, err := c.Env.FS.Stat(c.Abs(f))
		if err != nil {
			code = c.Errorf("cannot statx '%s': %s", f, errText(err))
			continue
		}
		if format == "" {
			fmt.Fprintf(c.Stdout, "  File: %s\n  Size: %d\nAccess: (%04o/%s)  Uid: (    0/    root)   Gid: (    0/    root)\nModify: %s\n",
				f, st.Size(), unixMode(st.Mode()), modeString(st.Mode()), st.ModTime().Format("2006-01-02 15:04:05.000000000 -0700"))
			continue
		}
		kind := "regular file"
		if st.IsDir() {
			kind = "directory"
		}
		var ino uint64
		if s, ok := st.Sys().(interface{ Inode() uint64 }); ok {
			ino = s.Inode()
		}
		fmt.Fprintln(c.Stdout, strings.NewReplacer("%n", f, "%s", strconv.FormatInt(st.Size(), 10), "%i", strconv.FormatUint(ino, 10),
			"%Y", strconv.FormatInt(st.ModTime().Unix(), 10), "%a", strconv.FormatUint(uint64(unixMode(st.Mode())), 8), "%A", modeString(st.Mode()), "%F",
			kind).Replace(format))
	}
	return code
}

func dateProgram(c *Call) int {
	now := time.Now()
	for _, a := range c.Args[1:] {
		switch {
		case a == "-u" || a == "--utc":
			now = now.UTC()
		case a == "+%s":
			fmt.Fprintln(c.Stdout, now.Unix())
			return 0
		case strings.HasPrefix(a, "+"):
			fmt.Fprintln(c.Stdout, strftime(now, a[1:]))
			return 0
		}
	}
	fmt.Fprintln(c.Stdout, now.Format("Mon Jan _2 15:04:05 MST 2006"))
	return 0
}

func strftime(t time.Time, f string) string {
	return strings.NewReplacer("%Y", t.Format("2006"), "%m", t.Format("01"), "%d", t.Format("02"), "%H", t.Format("15"),
		"%M", t.Format("04"), "%S", t.Format("05"), "%s", strconv.FormatInt(t.Unix(), 10), "%F", t.Format("2006-01-02"),
		"%T", t.Format("15:04:05"), "%z", t.Format("-0700"), "%%", "%").Replace(f)
}

func sleepProgram(c *Call) int {
	if len(c.Args) < 2 {
		return c.Errorf("missing operand")
	}
	secs, err := strconv.ParseFloat(strings.TrimSuffix(c.Args[1], "s"), 64)
	if err != nil {
		return c.Errorf("invalid time interval '%s'", c.Args[1])
	}
	if err := c.Env.Sleep(c.Ctx, time.Duration(secs*float64(time.Second))); err != nil {
		return 130
	}
	return 0
}

// lineCount reads -n N (or -N) and the operands.
func lineCount(args []string) (int, []string) {
	n := 10
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-n" && i+1 < len(args):
			n, _ = strconv.Atoi(strings.TrimPrefix(args[i+1], "+"))
			i++
		case strings.HasPrefix(a, "-n"):
			n, _ = strconv.Atoi(a[2:])
		case strings.HasPrefix(a, "-") && len(a) > 1:
			n, _ = strconv.Atoi(a[1:])
		default:
			rest = append(rest, a)
		}
	}
	return n, rest
}

func inputOf(c *Call, files []string) ([]byte, int) {
	if len(files) == 0 {
		data, _ := readAll(c, c.Stdin)
		return data, 0
	}
	var buf bytes.Buffer
	for _, f := range files {
		data, err := c.Env.FS.ReadFile(c.Abs(f))
		if err != nil {
			return nil, c.Errorf("cannot open '%s' for reading: %s", f, errText(err))
		}
		buf.Write(data)
	}
	return buf.Bytes(), 0
}

func splitLines(data []byte) []string {
	s := strings.TrimSuffix(string(data), "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// headProgram is head [-n N | -N | -c N] [FILE]: it reads only what it
// prints, so it ends a pipe from an endless source (tr ... </dev/urandom).
func headProgram(c *Call) int {
	bytesMode := -1
	var rest []string
	args := c.Args[1:]
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-c" && i+1 < len(args):
			n, ok := byteCount(args[i+1])
			if !ok {
				return c.Errorf("invalid number of bytes: '%s'", args[i+1])
			}
			bytesMode = n
			i++
		case strings.HasPrefix(a, "-c") && len(a) > 2:
			n, ok := byteCount(a[2:])
			if !ok {
				return c.Errorf("invalid number of bytes: '%s'", a[2:])
			}
			bytesMode = n
		default:
			rest = append(rest, a)
		}
	}
	n, files := lineCount(rest)
	in := c.Stdin
	if len(files) > 0 {
		if dev, ok := deviceFile(c.Ctx, files[0]); ok {
			in = dev
		} else {
			data, code := inputOf(c, files)
			if code != 0 {
				return code
			}
			in = bytes.NewReader(data)
		}
	}
	if bytesMode >= 0 {
		_, _ = io.CopyN(c.Stdout, in, int64(bytesMode))
		return 0
	}
	r := bufio.NewReader(in)
	for i := 0; i < n; i++ {
		line, err := r.ReadString('\n')
		if line != "" {
			if _, werr := io.WriteString(c.Stdout, line); werr != nil {
				return 1
			}
		}
		if err != nil {
			break
		}
	}
	return 0
}

func tailProgram(c *Call) int {
	n, files := lineCount(c.Args[1:])
	data, code := inputOf(c, files)
	lines := splitLines(data)
	for i := max(0, len(lines)-n); i < len(lines); i++ {
		fmt.Fprintln(c.Stdout, lines[i])
	}
	return code
}

func wcProgram(c *Call) int {
	f, files := flags(c.Args[1:])
	data, code := inputOf(c, files)
	switch {
	case f['l']:
		fmt.Fprintln(c.Stdout, bytes.Count(data, []byte("\n")))
	case f['c']:
		fmt.Fprintln(c.Stdout, len(data))
	default:
		fmt.Fprintf(c.Stdout, "%d %d %d\n", bytes.Count(data, []byte("\n")), len(strings.Fields(string(data))), len(data))
	}
	return code
}

// teeProgram is tee [-a] FILE...: it copies its input as it arrives to
// standard output and each file (or device), as coreutils' tee does, so a
// full disk fails the file it fills ("tee: FILE: No space left on device",
// exit 1) while the others go on, and an endless input holds no memory.
func teeProgram(c *Call) int {
	f, files := flags(c.Args[1:])
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if f['a'] {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	type output struct {
		name   string
		w      io.WriteCloser
		failed bool
	}
	code := 0
	outs := []*output{{name: "'standard output'", w: nopCloser{c.Stdout}}}
	for _, name := range files {
		w, err := io.ReadWriteCloser(nil), error(nil)
		if dev, ok := deviceFile(c.Ctx, c.Abs(name)); ok {
			w = dev
		} else {
			w, err = c.Env.FS.Open(c.Abs(name), flag, 0o644)
		}
		if err != nil {
			code = c.Errorf("%s: %s", name, errText(err))
			continue
		}
		outs = append(outs, &output{name: name, w: w})
	}
	fail := func(o *output, err error) {
		o.failed = true
		if o == outs[0] && !errors.Is(err, syscall.ENOSPC) && !errors.Is(err, syscall.EFBIG) {
			return // a reader that left: SIGPIPE ends tee quietly on a real node
		}
		code = c.Errorf("%s: %s", o.name, errText(err))
	}
	buf := make([]byte, 32<<10)
	for {
		n, rerr := c.Stdin.Read(buf)
		for _, o := range outs {
			if n == 0 || o.failed {
				continue
			}
			if _, err := o.w.Write(buf[:n]); err != nil {
				fail(o, err)
			}
		}
		if rerr != nil {
			break
		}
	}
	for _, o := range outs[1:] {
		if err := o.w.Close(); err != nil && !o.failed {
			fail(o, err)
		}
	}
	return code
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

func mktempProgram(c *Call) int {
	args := c.Args[1:]
	dir, template, makeDir := "/tmp", "tmp.XXXXXXXXXX", false
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-d":
			makeDir = true
		case (a == "-p" || a == "--tmpdir") && i+1 < len(args):
			dir = args[i+1]
			i++
		case strings.HasPrefix(a, "--tmpdir="):
			dir = strings.TrimPrefix(a, "--tmpdir=")
		default:
			template = a
			if strings.Contains(a, "/") {
				dir = ""
			}
		}
	}
	for attempt := 0; attempt < 100; attempt++ {
		name := fillTemplate(template)
		p := c.Abs(path.Join(dir, name))
		var err error
		if makeDir {
			err = c.Env.FS.Mkdir(p, 0o700)
		} else if _, serr := c.Env.FS.Stat(p); serr == nil {
			continue
		} else {
			err = c.Env.FS.WriteFile(p, nil, 0o600)
		}
		if err == nil {
			fmt.Fprintln(c.Stdout, p)
			return 0
		}
	}
	return c.Errorf("failed to create file via template '%s'", template)
}

// tempSeq tells apart the names of mktemp calls made at once, in the
// shells of every container and node (they run concurrently).
var tempSeq atomic.Uint64

func fillTemplate(t string) string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := []byte(t)
	seed := uint64(time.Now().UnixNano()) + tempSeq.Add(1)*7919
	for i := len(b) - 1; i >= 0 && b[i] == 'X'; i-- {
		b[i] = chars[seed%uint64(len(chars))]
		seed = seed*6364136223846793005 + 1442695040888963407
	}
	return string(b)
}

func idProgram(c *Call) int {
	f, _ := flags(c.Args[1:])
	switch {
	case f['u'] && f['n']:
		fmt.Fprintln(c.Stdout, "root")
	case f['u'], f['g']:
		fmt.Fprintln(c.Stdout, 0)
	default:
		fmt.Fprintln(c.Stdout, "uid=0(root) gid=0(root) groups=0(root)")
	}
	return 0
}

func base64Program(c *Call) int {
	f, files := flags(c.Args[1:])
	data, code := inputOf(c, files)
	if code != 0 {
		return code
	}
	if f['d'] {
		out, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(data)), ""))
		if err != nil {
			return c.Errorf("invalid input")
		}
		_, _ = c.Stdout.Write(out)
		return 0
	}
	fmt.Fprintln(c.Stdout, base64.StdEncoding.EncodeToString(data))
	return 0
}

func sha256Program(c *Call) int {
	_, files := flags(c.Args[1:])
	if len(files) == 0 {
		data, _ := readAll(c, c.Stdin)
		sum := sha256.Sum256(data)
		fmt.Fprintf(c.Stdout, "%s  -\n", hex.EncodeToString(sum[:]))
		return 0
	}
	for _, f := range files {
		data, err := c.Env.FS.ReadFile(c.Abs(f))
		if err != nil {
			return c.Errorf("%s: %s", f, errText(err))
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(c.Stdout, "%s  %s\n", hex.EncodeToString(sum[:]), f)
	}
	return 0
}

func envProgram(c *Call) int {
	for _, v := range c.Env.Vars {
		fmt.Fprintln(c.Stdout, v)
	}
	return 0
}

func basenameProgram(c *Call) int {
	if len(c.Args) < 2 {
		return c.Errorf("missing operand")
	}
	fmt.Fprintln(c.Stdout, strings.TrimSuffix(path.Base(c.Args[1]), optional(c.Args, 2)))
	return 0
}

func dirnameProgram(c *Call) int {
	if len(c.Args) < 2 {
		return c.Errorf("missing operand")
	}
	fmt.Fprintln(c.Stdout, path.Dir(c.Args[1]))
	return 0
}

func optional(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}
