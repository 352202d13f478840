package shell

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The text tools scripts run on a PVE node and in a template (GNU coreutils,
// grep and sed on Debian, BusyBox's on Alpine behave alike for these
// options): grep, cut, tr, sort, uniq, xargs. sed and awk have files of
// their own.

// posixRegexp compiles a POSIX basic (ere=false) or extended regular
// expression with Go's engine: in a BRE, \+ \? \| \( \) \{ \} are the
// operators and the bare characters literal; \< and \> are word edges; a
// backslash inside a bracket expression is an ordinary character.
func posixRegexp(expr string, ere, icase bool) (*regexp.Regexp, error) {
	var b strings.Builder
	if icase {
		b.WriteString("(?i)")
	}
	inBracket := false
	for i := 0; i < len(expr); i++ {
		ch := expr[i]
		if inBracket {
			switch {
			case ch == ']' && !strings.HasSuffix(b.String(), "[") && !strings.HasSuffix(b.String(), "[^"):
				inBracket = false
				b.WriteByte(ch)
			case ch == '[' && i+1 < len(expr) && (expr[i+1] == ':' || expr[i+1] == '=' || expr[i+1] == '.'):
				end := strings.Index(expr[i+2:], string(expr[i+1])+"]")
				if end < 0 {
					b.WriteString(`\[`)
					continue
				}
				b.WriteString(expr[i : i+2+end+2])
				i += 2 + end + 1
			case ch == '\\':
				b.WriteString(`\\`)
			case ch == '[':
				b.WriteString(`\[`)
			default:
				b.WriteByte(ch)
			}
			continue
		}
		switch {
		case ch == '[':
			inBracket = true
			b.WriteByte(ch)
			if i+1 < len(expr) && expr[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			if i+1 < len(expr) && expr[i+1] == ']' {
				b.WriteString(`\]`)
				i++
			}
		case ch == '\\' && i+1 < len(expr):
			i++
			next := expr[i]
			switch {
			case next == '<' || next == '>':
				b.WriteString(`\b`)
			case !ere && strings.IndexByte("+?|(){}", next) >= 0:
				b.WriteByte(next)
			case next >= '1' && next <= '9':
				return nil, fmt.Errorf("back-references are not supported")
			case next == 'n':
				b.WriteString(`\n`)
			case next == 't':
				b.WriteString(`\t`)
			case strings.IndexByte("wWsSbB", next) >= 0:
				b.WriteByte('\\')
				b.WriteByte(next)
			default:
				b.WriteString(regexp.QuoteMeta(string(next)))
			}
		case !ere && strings.IndexByte("+?|(){}", ch) >= 0:
			b.WriteByte('\\')
			b.WriteByte(ch)
		case !ere && ch == '*' && (b.Len() == 0 || strings.HasSuffix(b.String(), "^") || strings.HasSuffix(b.String(), "(?i)")):
			b.WriteString(`\*`)
		default:
			b.WriteByte(ch)
		}
	}
	return regexp.Compile(b.String())
}

// grepProgram is grep with -q -v -E -F -G -c -n -o -i -r -R -l -L -w -x -s
// -h -H -e PATTERN -f FILE: exit 0 when a line matched, 1 when none did, 2
// on an error (unless -q found a match).
func grepProgram(c *Call) int {
	var patterns []string
	set := map[rune]bool{}
	var files []string
	args := c.Args[1:]
	patternGiven := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case a == "-e" || a == "--regexp":
			if i+1 >= len(args) {
				fmt.Fprintln(c.Stderr, "grep: option requires an argument -- 'e'")
				return 2
			}
			patterns = append(patterns, args[i+1])
			patternGiven = true
			i++
		case strings.HasPrefix(a, "--regexp="):
			patterns = append(patterns, strings.TrimPrefix(a, "--regexp="))
			patternGiven = true
		case a == "-f" && i+1 < len(args):
			data, err := c.Env.FS.ReadFile(c.Abs(args[i+1]))
			if err != nil {
				fmt.Fprintf(c.Stderr, "grep: %s: %s\n", args[i+1], errText(err))
				return 2
			}
			patterns = append(patterns, splitLines(data)...)
			patternGiven = true
			i++
		case strings.HasPrefix(a, "--"):
			long := map[string]rune{"--quiet": 'q', "--silent": 'q', "--invert-match": 'v', "--extended-regexp": 'E',
				"--fixed-strings": 'F', "--count": 'c', "--line-number": 'n', "--only-matching": 'o', "--ignore-case": 'i',
				"--recursive": 'r', "--files-with-matches": 'l', "--files-without-match": 'L', "--word-regexp": 'w',
				"--line-regexp": 'x', "--no-messages": 's', "--no-filename": 'h', "--with-filename": 'H'}
			r, ok := long[a]
			if !ok {
				fmt.Fprintf(c.Stderr, "grep: unrecognized option '%s'\n", a)
				return 2
			}
			set[r] = true
		case len(a) > 1 && a[0] == '-':
			for j, r := range a[1:] {
				if r == 'e' {
					rest := a[2+j:]
					if rest == "" && i+1 < len(args) {
						i++
						rest = args[i]
					}
					patterns = append(patterns, rest)
					patternGiven = true
					break
				}
				if !strings.ContainsRune("qvEFGcnoirRlLwxshHP", r) {
					fmt.Fprintf(c.Stderr, "grep: invalid option -- '%c'\nUsage: grep [OPTION]... PATTERNS [FILE]...\n", r)
					return 2
				}
				set[r] = true
			}
		case !patternGiven:
			patterns = append(patterns, strings.Split(a, "\n")...)
			patternGiven = true
		default:
			files = append(files, a)
		}
	}
	if !patternGiven {
		fmt.Fprintln(c.Stderr, "Usage: grep [OPTION]... PATTERNS [FILE]...")
		return 2
	}
	var res []*regexp.Regexp
	for _, p := range patterns {
		var re *regexp.Regexp
		var err error
		if set['F'] {
			q := regexp.QuoteMeta(p)
			if set['i'] {
				q = "(?i)" + q
			}
			re, err = regexp.Compile(q)
		} else {
			re, err = posixRegexp(p, set['E'], set['i'])
		}
		if err != nil {
			fmt.Fprintf(c.Stderr, "grep: %v\n", err)
			return 2
		}
		if set['w'] || set['x'] {
			src := re.String()
			prefix := ""
			if strings.HasPrefix(src, "(?i)") {
				prefix, src = "(?i)", src[4:]
			}
			if set['x'] {
				re = regexp.MustCompile(prefix + "^(?:" + src + ")$")
			} else {
				re = regexp.MustCompile(prefix + `(?:^|\W)(` + src + `)(?:\W|$)`)
			}
		}
		res = append(res, re)
	}
	recursive := set['r'] || set['R']
	if recursive && len(files) == 0 {
		files = []string{"."}
	}
	var inputs []grepInput
	errors := false
	if len(files) == 0 {
		data, _ := io.ReadAll(c.Stdin)
		inputs = append(inputs, grepInput{name: "(standard input)", data: data})
	}
	for _, f := range files {
		if f == "-" {
			data, _ := io.ReadAll(c.Stdin)
			inputs = append(inputs, grepInput{name: "(standard input)", data: data})
			continue
		}
		st, err := c.Env.FS.Stat(c.Abs(f))
		if err != nil {
			if !set['s'] {
				fmt.Fprintf(c.Stderr, "grep: %s: %s\n", f, errText(err))
			}
			errors = true
			continue
		}
		if st.IsDir() {
			if !recursive {
				if !set['s'] {
					fmt.Fprintf(c.Stderr, "grep: %s: Is a directory\n", f)
				}
				continue
			}
			inputs = append(inputs, walkFiles(c, f)...)
			continue
		}
		data, err := c.Env.FS.ReadFile(c.Abs(f))
		if err != nil {
			errors = true
			continue
		}
		inputs = append(inputs, grepInput{name: f, data: data})
	}
	withName := (len(files) > 1 || recursive) && !set['h'] || set['H']
	matchedAny := false
	for _, in := range inputs {
		count := 0
		for n, line := range splitLines(in.data) {
			var hits []string
			for _, re := range res {
				if set['o'] && !set['v'] {
					for _, m := range re.FindAllStringSubmatch(line, -1) {
						hit := m[0]
						if set['w'] && len(m) > 1 {
							hit = m[1]
						}
						if hit != "" {
							hits = append(hits, hit)
						}
					}
				} else if re.MatchString(line) {
					hits = append(hits, line)
				}
			}
			if (len(hits) > 0) == set['v'] {
				continue
			}
			count++
			matchedAny = true
			if set['q'] {
				return 0
			}
			if set['c'] || set['l'] || set['L'] {
				continue
			}
			prefix := ""
			if withName {
				prefix = in.name + ":"
			}
			if set['n'] {
				prefix += strconv.Itoa(n+1) + ":"
			}
			if set['o'] && !set['v'] {
				for _, h := range hits {
					fmt.Fprintln(c.Stdout, prefix+h)
				}
			} else {
				fmt.Fprintln(c.Stdout, prefix+line)
			}
		}
		switch {
		case set['l'] && count > 0:
			fmt.Fprintln(c.Stdout, in.name)
		case set['L'] && count == 0:
			fmt.Fprintln(c.Stdout, in.name)
		case set['c'] && !set['l'] && !set['L']:
			if withName {
				fmt.Fprintf(c.Stdout, "%s:%d\n", in.name, count)
			} else {
				fmt.Fprintln(c.Stdout, count)
			}
		}
	}
	switch {
	case errors && !(set['q'] && matchedAny):
		return 2
	case matchedAny:
		return 0
	}
	return 1
}

type grepInput struct {
	name string
	data []byte
}

// walkFiles lists the regular files under a directory, depth first by name.
func walkFiles(c *Call, dir string) []grepInput {
	entries, err := c.Env.FS.ReadDir(c.Abs(dir))
	if err != nil {
		return nil
	}
	var out []grepInput
	for _, e := range entries {
		p := path.Join(dir, e.Name())
		if dir == "." {
			p = "./" + e.Name()
		}
		if e.IsDir() {
			out = append(out, walkFiles(c, p)...)
			continue
		}
		if data, err := c.Env.FS.ReadFile(c.Abs(p)); err == nil {
			out = append(out, grepInput{name: p, data: data})
		}
	}
	return out
}

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
	data, _ := io.ReadAll(c.Stdin)
	var out []byte
	var last byte
	haveLast := false
	for _, b := range data {
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
		squeezeSet := set1
		if len(set2) > 0 {
			squeezeSet = set2
		}
		if f['s'] && haveLast && b == last && bytes.IndexByte(squeezeSet, b) >= 0 {
			continue
		}
		out = append(out, b)
		last, haveLast = b, true
	}
	_, _ = c.Stdout.Write(out)
	return 0
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
			ch = map[byte]byte{'n': '\n', 't': '\t', 'r': '\r', '\\': '\\'}[s[i]]
			if ch == 0 {
				ch = s[i]
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
	data, _ := io.ReadAll(c.Stdin)
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
