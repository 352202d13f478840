package shell

import (
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// grep and the regular expressions of grep, sed and awk.

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
// -h -H -A/-B/-C N -e PATTERN -f FILE: exit 0 when a line matched, 1 when none did, 2
// on an error (unless -q found a match).
func grepProgram(c *Call) int {
	var patterns []string
	set := map[rune]bool{}
	var files []string
	args := c.Args[1:]
	patternGiven := false
	before, after := 0, 0
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
		case (a == "-A" || a == "-B" || a == "-C") && i+1 < len(args):
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n < 0 {
				fmt.Fprintf(c.Stderr, "grep: %s: invalid context length argument\n", args[i+1])
				return 2
			}
			if a != "-B" {
				after = n
			}
			if a != "-A" {
				before = n
			}
			i++
		case len(a) > 2 && (a[:2] == "-A" || a[:2] == "-B" || a[:2] == "-C") && isDigits(a[2:]):
			n, _ := strconv.Atoi(a[2:])
			if a[1] != 'B' {
				after = n
			}
			if a[1] != 'A' {
				before = n
			}
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
		data, _ := readAll(c, c.Stdin)
		inputs = append(inputs, grepInput{name: "(standard input)", data: data})
	}
	for _, f := range files {
		if f == "-" {
			data, _ := readAll(c, c.Stdin)
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
		lines := splitLines(in.data)
		// Context lines (-A, -B, -C): the last printed line, and how many
		// lines after a match are still to print; "--" between groups.
		lastPrinted, pendingAfter := -1, 0
		printLine := func(n int, sep string, text string) {
			if (before > 0 || after > 0) && lastPrinted >= 0 && n > lastPrinted+1 {
				fmt.Fprintln(c.Stdout, "--")
			}
			prefix := ""
			if withName {
				prefix = in.name + sep
			}
			if set['n'] {
				prefix += strconv.Itoa(n+1) + sep
			}
			fmt.Fprintln(c.Stdout, prefix+text)
			lastPrinted = n
		}
		for n, line := range lines {
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
				if pendingAfter > 0 && !set['c'] && !set['l'] && !set['L'] && !set['q'] {
					printLine(n, "-", line)
					pendingAfter--
				}
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
			for b := max(0, n-before, lastPrinted+1); b < n; b++ {
				printLine(b, "-", lines[b])
			}
			if set['o'] && !set['v'] {
				for _, h := range hits {
					printLine(n, ":", h)
				}
			} else {
				printLine(n, ":", line)
			}
			pendingAfter = after
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
	case errors && (!set['q'] || !matchedAny):
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

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
