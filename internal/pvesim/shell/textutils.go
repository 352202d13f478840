package shell

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// The text tools scripts run on a PVE node and in a template (GNU coreutils,
// grep and sed on Debian, BusyBox's on Alpine behave alike for these
// options): grep, cut, tr, sort, uniq, xargs. sed and awk have files of
// their own.

// cutProgram is cut -d DELIM -f LIST [-s] and cut -c LIST.
func cutProgram(c *Call) int {
	args := c.Args[1:]
	delim, fields, chars := "\t", "", ""
	onlyDelimited := false
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func(flag string) string {
			if len(a) > len(flag) {
				return a[len(flag):]
			}
			if i+1 < len(args) {
				i++
				return args[i]
			}
			return ""
		}
		switch {
		case strings.HasPrefix(a, "-d"):
			delim = value("-d")
		case strings.HasPrefix(a, "--delimiter="):
			delim = strings.TrimPrefix(a, "--delimiter=")
		case strings.HasPrefix(a, "-f"):
			fields = value("-f")
		case strings.HasPrefix(a, "--fields="):
			fields = strings.TrimPrefix(a, "--fields=")
		case strings.HasPrefix(a, "-c") || strings.HasPrefix(a, "-b"):
			chars = value(a[:2])
		case a == "-s" || a == "--only-delimited":
			onlyDelimited = true
		default:
			files = append(files, a)
		}
	}
	if len(delim) != 1 {
		return c.Errorf("the delimiter must be a single character")
	}
	list := fields
	if list == "" {
		list = chars
	}
	if list == "" {
		return c.Errorf("you must specify a list of bytes, characters, or fields")
	}
	ranges, err := parseRanges(list)
	if err != nil {
		return c.Errorf("%v", err)
	}
	data, code := inputOf(c, files)
	for _, line := range splitLines(data) {
		if chars != "" {
			var b strings.Builder
			for i := range len(line) {
				if inRanges(ranges, i+1) {
					b.WriteByte(line[i])
				}
			}
			fmt.Fprintln(c.Stdout, b.String())
			continue
		}
		if !strings.Contains(line, delim) {
			if !onlyDelimited {
				fmt.Fprintln(c.Stdout, line)
			}
			continue
		}
		parts := strings.Split(line, delim)
		var picked []string
		for i, p := range parts {
			if inRanges(ranges, i+1) {
				picked = append(picked, p)
			}
		}
		fmt.Fprintln(c.Stdout, strings.Join(picked, delim))
	}
	return code
}

type span struct{ from, to int }

// parseRanges reads cut's LIST: N, N-M, N-, -M, separated by commas.
func parseRanges(list string) ([]span, error) {
	var out []span
	for _, part := range strings.Split(list, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		s := span{}
		var err error
		if lo == "" {
			s.from = 1
		} else if s.from, err = strconv.Atoi(lo); err != nil || s.from < 1 {
			return nil, fmt.Errorf("invalid field value '%s'", part)
		}
		switch {
		case !isRange:
			s.to = s.from
		case hi == "":
			s.to = 1 << 30
		default:
			if s.to, err = strconv.Atoi(hi); err != nil {
				return nil, fmt.Errorf("invalid field range '%s'", part)
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func inRanges(rs []span, n int) bool {
	for _, r := range rs {
		if n >= r.from && n <= r.to {
			return true
		}
	}
	return false
}

// trProgram is tr [-d] [-s] [-c] SET1 [SET2] with ranges, escapes and the
// [:alpha:]-style classes.
func trProgram(c *Call) int {
	f, args := flags(c.Args[1:])
	if len(args) == 0 {
		return c.Errorf("missing operand")
	}
	set1 := expandTrSet(args[0])
	var set2 []byte
	if len(args) > 1 {
		set2 = expandTrSet(args[1])
	}
	in1 := func(b byte) bool { return bytes.IndexByte(set1, b) >= 0 != f['c'] }
	squeezeSet := set1
	if len(set2) > 0 {
		squeezeSet = set2
	}
	// tr streams, so that it stops when the reader of its output is gone
	// (head -c 16 after tr -dc ... </dev/urandom).
	buf := make([]byte, 4096)
	var last byte
	haveLast := false
	for {
		n, rerr := c.Stdin.Read(buf)
		var out []byte
		for _, b := range buf[:n] {
			switch {
			case f['d'] && in1(b):
				continue
			case !f['d'] && len(set2) > 0 && in1(b):
				i := bytes.IndexByte(set1, b)
				if i < 0 || i >= len(set2) {
					i = len(set2) - 1
				}
				b = set2[i]
			}
			if f['s'] && haveLast && b == last && bytes.IndexByte(squeezeSet, b) >= 0 {
				continue
			}
			out = append(out, b)
			last, haveLast = b, true
		}
		if len(out) > 0 {
			if _, werr := c.Stdout.Write(out); werr != nil {
				return 1
			}
		}
		if rerr != nil {
			return 0
		}
	}
}

func expandTrSet(s string) []byte {
	classes := map[string]string{
		"[:lower:]": "abcdefghijklmnopqrstuvwxyz", "[:upper:]": "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"[:digit:]": "0123456789", "[:space:]": " \t\n\r\v\f", "[:blank:]": " \t",
		"[:alpha:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
		"[:alnum:]": "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
		"[:punct:]": "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~",
	}
	var out []byte
	for i := 0; i < len(s); i++ {
		if s[i] == '[' {
			if end := strings.Index(s[i:], ":]"); end > 0 {
				if cls, ok := classes[s[i:i+end+2]]; ok {
					out = append(out, cls...)
					i += end + 1
					continue
				}
			}
		}
		ch := s[i]
		if ch == '\\' && i+1 < len(s) {
			i++
			switch {
			case s[i] >= '0' && s[i] <= '7':
				// \NNN is a byte in octal, as \0 for NUL.
				v, j := 0, i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					v = v*8 + int(s[j]-'0')
					j++
				}
				ch, i = byte(v), j-1
			default:
				esc, ok := map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', '\\': '\\'}[s[i]]
				ch = s[i]
				if ok {
					ch = esc
				}
			}
		}
		if i+2 < len(s) && s[i+1] == '-' {
			for x := int(ch); x <= int(s[i+2]); x++ {
				out = append(out, byte(x))
			}
			i += 2
			continue
		}
		out = append(out, ch)
	}
	return out
}

// sortProgram is sort [-r] [-n] [-u] [-f] [-t SEP] [-k N[,M]] [-V].
func sortProgram(c *Call) int {
	args := c.Args[1:]
	set := map[rune]bool{}
	sep := ""
	key := 0
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-t" && i+1 < len(args):
			sep = args[i+1]
			i++
		case strings.HasPrefix(a, "-t") && len(a) > 2:
			sep = a[2:]
		case a == "-k" && i+1 < len(args):
			key, _ = strconv.Atoi(strings.SplitN(strings.SplitN(args[i+1], ",", 2)[0], ".", 2)[0])
			i++
		case strings.HasPrefix(a, "-k") && len(a) > 2:
			key, _ = strconv.Atoi(strings.SplitN(strings.SplitN(a[2:], ",", 2)[0], ".", 2)[0])
		case strings.HasPrefix(a, "-") && len(a) > 1:
			for _, r := range a[1:] {
				set[r] = true
			}
		default:
			files = append(files, a)
		}
	}
	data, code := inputOf(c, files)
	lines := splitLines(data)
	keyOf := func(line string) string {
		if key == 0 {
			return line
		}
		var fields []string
		if sep != "" {
			fields = strings.Split(line, sep)
		} else {
			fields = strings.Fields(line)
		}
		if key-1 < len(fields) {
			return fields[key-1]
		}
		return ""
	}
	less := func(a, b string) bool {
		ka, kb := keyOf(a), keyOf(b)
		switch {
		case set['n'] || set['g'] || set['h']:
			na, _ := strconv.ParseFloat(strings.TrimSpace(leadingNumber(ka)), 64)
			nb, _ := strconv.ParseFloat(strings.TrimSpace(leadingNumber(kb)), 64)
			if na != nb {
				return na < nb
			}
			return a < b
		case set['V']:
			return versionLess(ka, kb)
		case set['f']:
			return strings.ToLower(ka) < strings.ToLower(kb)
		}
		if ka != kb {
			return ka < kb
		}
		return a < b
	}
	sort.SliceStable(lines, func(i, j int) bool {
		if set['r'] {
			return less(lines[j], lines[i])
		}
		return less(lines[i], lines[j])
	})
	var prev string
	for i, l := range lines {
		if set['u'] && i > 0 && keyOf(l) == keyOf(prev) {
			continue
		}
		fmt.Fprintln(c.Stdout, l)
		prev = l
	}
	return code
}

func leadingNumber(s string) string {
	s = strings.TrimSpace(s)
	end := 0
	for end < len(s) && (s[end] >= '0' && s[end] <= '9' || s[end] == '.' || (end == 0 && s[end] == '-')) {
		end++
	}
	return s[:end]
}

// versionLess orders as sort -V: digit runs compare as numbers.
func versionLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := a[0] >= '0' && a[0] <= '9', b[0] >= '0' && b[0] <= '9'
		if da && db {
			na, ra := splitDigits(a)
			nb, rb := splitDigits(b)
			if na != nb {
				return na < nb
			}
			a, b = ra, rb
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func splitDigits(s string) (int, string) {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	n, _ := strconv.Atoi(s[:i])
	return n, s[i:]
}

// uniqProgram is uniq [-c] [-d] [-u] [-i].
func uniqProgram(c *Call) int {
	f, files := flags(c.Args[1:])
	data, code := inputOf(c, files)
	lines := splitLines(data)
	same := func(a, b string) bool {
		if f['i'] {
			return strings.EqualFold(a, b)
		}
		return a == b
	}
	for i := 0; i < len(lines); {
		j := i + 1
		for j < len(lines) && same(lines[j], lines[i]) {
			j++
		}
		n := j - i
		if (f['d'] && n < 2) || (f['u'] && n > 1) {
			i = j
			continue
		}
		if f['c'] {
			fmt.Fprintf(c.Stdout, "%7d %s\n", n, lines[i])
		} else {
			fmt.Fprintln(c.Stdout, lines[i])
		}
		i = j
	}
	return code
}

// xargsProgram is xargs [-n N] [-I REPL] [-0] [-r] COMMAND [ARGS...]: it
// runs the command through the shell with the arguments read from stdin.
func xargsProgram(c *Call) int {
	args := c.Args[1:]
	perCall, replace, nul, noEmpty := 0, "", false, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		switch a := args[0]; {
		case a == "-n" && len(args) > 1:
			perCall, _ = strconv.Atoi(args[1])
			args = args[1:]
		case strings.HasPrefix(a, "-n"):
			perCall, _ = strconv.Atoi(a[2:])
		case a == "-I" && len(args) > 1:
			replace = args[1]
			args = args[1:]
		case strings.HasPrefix(a, "-I"):
			replace = a[2:]
		case a == "-0" || a == "--null":
			nul = true
		case a == "-r" || a == "--no-run-if-empty":
			noEmpty = true
		default:
			return c.Errorf("invalid option -- '%s'", strings.TrimLeft(a, "-"))
		}
		args = args[1:]
	}
	if len(args) == 0 {
		args = []string{"echo"}
	}
	data, _ := readAll(c, c.Stdin)
	var items []string
	switch {
	case nul:
		items = strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
	case replace != "":
		items = splitLines(data)
	default:
		items = strings.Fields(string(data))
	}
	if len(items) == 0 || (len(items) == 1 && items[0] == "") {
		if noEmpty || replace != "" {
			return 0
		}
		items = nil
	}
	run := func(argv []string) int {
		return c.Env.Run(c.Ctx, QuoteArgs(argv), strings.NewReader(""), c.Stdout, c.Stderr, c.Dir)
	}
	status := 0
	if replace != "" {
		for _, it := range items {
			argv := make([]string, len(args))
			for i, a := range args {
				argv[i] = strings.ReplaceAll(a, replace, it)
			}
			if code := run(argv); code != 0 {
				status = 123
			}
		}
		return status
	}
	if perCall <= 0 {
		perCall = max(1, len(items))
	}
	for start := 0; start < len(items) || (start == 0 && len(items) == 0); start += perCall {
		end := min(len(items), start+perCall)
		if code := run(append(append([]string(nil), args...), items[start:end]...)); code != 0 {
			if code == 127 {
				return 127
			}
			status = 123
		}
		if len(items) == 0 {
			break
		}
	}
	return status
}
