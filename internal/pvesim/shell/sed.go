package shell

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// sedProgram is the sed scripts use: -n, -e SCRIPT, -f FILE, -i[SUFFIX],
// -E/-r; addresses by line number, $, /regex/ and ranges, with !; the
// commands s (flags g, p, N, i/I), d, p, q, Q, =, a, i, c, y, n, N, h, H, g,
// G, x and { } blocks. Exit 1 on a script error, 2 on a missing input file,
// as GNU sed.
func sedProgram(c *Call) int {
	args := c.Args[1:]
	var scripts []string
	quiet, ere, inPlace := false, false, false
	suffix := ""
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-n" || a == "--quiet" || a == "--silent":
			quiet = true
		case a == "-E" || a == "-r" || a == "--regexp-extended":
			ere = true
		case a == "-e" || a == "--expression":
			if i+1 >= len(args) {
				return sedUsage(c, "option requires an argument -- 'e'")
			}
			scripts = append(scripts, args[i+1])
			i++
		case strings.HasPrefix(a, "--expression="):
			scripts = append(scripts, strings.TrimPrefix(a, "--expression="))
		case a == "-f" && i+1 < len(args):
			data, err := c.Env.FS.ReadFile(c.Abs(args[i+1]))
			if err != nil {
				fmt.Fprintf(c.Stderr, "sed: couldn't open file %s: %s\n", args[i+1], errText(err))
				return 1
			}
			scripts = append(scripts, string(data))
			i++
		case strings.HasPrefix(a, "-i") || strings.HasPrefix(a, "--in-place"):
			inPlace = true
			if strings.HasPrefix(a, "--in-place=") {
				suffix = strings.TrimPrefix(a, "--in-place=")
			} else if strings.HasPrefix(a, "-i") {
				suffix = a[2:]
			}
		case a == "-s" || a == "--separate" || a == "-u" || a == "--posix":
		case len(a) > 1 && a[0] == '-' && a != "-":
			// Combined short options such as -ne or -Ei.
			ok := true
			for j, r := range a[1:] {
				switch r {
				case 'n':
					quiet = true
				case 'E', 'r':
					ere = true
				case 's', 'u':
				case 'i':
					inPlace, suffix = true, a[2+j:]
				case 'e':
					if i+1 < len(args) {
						scripts = append(scripts, args[i+1])
						i++
					}
				default:
					ok = false
				}
				if r == 'i' || r == 'e' || !ok {
					break
				}
			}
			if !ok {
				return sedUsage(c, fmt.Sprintf("invalid option -- '%c'", a[1]))
			}
		case len(scripts) == 0:
			scripts = append(scripts, a)
		default:
			files = append(files, a)
		}
	}
	if len(scripts) == 0 {
		return sedUsage(c, "no script specified")
	}
	prog, err := parseSed(strings.Join(scripts, "\n"), ere)
	if err != nil {
		fmt.Fprintf(c.Stderr, "sed: -e expression #1, char %d: %s\n", err.pos, err.msg)
		return 1
	}
	if inPlace {
		if len(files) == 0 {
			fmt.Fprintln(c.Stderr, "sed: no input files")
			return 1
		}
		status := 0
		for _, f := range files {
			p := c.Abs(f)
			data, rerr := c.Env.FS.ReadFile(p)
			if rerr != nil {
				fmt.Fprintf(c.Stderr, "sed: can't read %s: %s\n", f, errText(rerr))
				status = 2
				continue
			}
			var out strings.Builder
			run := &sedRun{prog: prog, quiet: quiet, out: &out}
			run.exec(splitKeepLast(string(data)))
			if suffix != "" {
				backup := p + suffix
				if strings.Contains(suffix, "*") {
					backup = strings.ReplaceAll(suffix, "*", p)
				}
				_ = c.Env.FS.WriteFile(backup, data, 0o644)
			}
			if werr := c.Env.FS.WriteFile(p, []byte(out.String()), 0o644); werr != nil {
				fmt.Fprintf(c.Stderr, "sed: couldn't open temporary file %s: %s\n", f, errText(werr))
				status = 4
			}
			if run.exit >= 0 {
				return run.exit
			}
		}
		return status
	}
	var input strings.Builder
	status := 0
	if len(files) == 0 {
		data, _ := readAll(c, c.Stdin)
		input.Write(data)
	}
	for _, f := range files {
		if f == "-" {
			data, _ := readAll(c, c.Stdin)
			input.Write(data)
			continue
		}
		data, rerr := c.Env.FS.ReadFile(c.Abs(f))
		if rerr != nil {
			fmt.Fprintf(c.Stderr, "sed: can't read %s: %s\n", f, errText(rerr))
			status = 2
			continue
		}
		input.Write(data)
		if len(data) > 0 && data[len(data)-1] != '\n' {
			input.WriteByte('\n')
		}
	}
	var out strings.Builder
	run := &sedRun{prog: prog, quiet: quiet, out: &out}
	run.exec(splitKeepLast(input.String()))
	_, _ = io.WriteString(c.Stdout, out.String())
	if run.exit >= 0 {
		return run.exit
	}
	return status
}

func sedUsage(c *Call, msg string) int {
	fmt.Fprintf(c.Stderr, "sed: %s\nUsage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n", msg)
	return 1
}

// sedLines is the input: its lines, and whether the last one ended with a
// newline (sed keeps a missing final newline missing).
type sedLines struct {
	lines       []string
	lastNewline bool
}

func splitKeepLast(s string) sedLines {
	if s == "" {
		return sedLines{}
	}
	nl := strings.HasSuffix(s, "\n")
	return sedLines{lines: strings.Split(strings.TrimSuffix(s, "\n"), "\n"), lastNewline: nl}
}

type sedAddr struct {
	line int // > 0: a line number
	last bool
	re   *regexp.Regexp
}

type sedCmd struct {
	a1, a2  *sedAddr
	negate  bool
	name    byte
	re      *regexp.Regexp // s
	repl    string         // s
	global  bool           // s g
	nth     int            // s N
	print   bool           // s p
	text    string         // a, i, c
	from    string         // y
	to      string         // y
	block   []*sedCmd      // {
	exit    int            // q, Q
	inRange bool
}

type sedError struct {
	pos int
	msg string
}

type sedParser struct {
	src  string
	pos  int
	ere  bool
	last *regexp.Regexp
}

func parseSed(src string, ere bool) ([]*sedCmd, *sedError) {
	p := &sedParser{src: src, ere: ere}
	cmds, err := p.block(false)
	return cmds, err
}

func (p *sedParser) fail(msg string) *sedError { return &sedError{pos: p.pos, msg: msg} }

func (p *sedParser) skipSpace() {
	for p.pos < len(p.src) && strings.IndexByte(" \t\n;", p.src[p.pos]) >= 0 {
		p.pos++
	}
}

func (p *sedParser) block(nested bool) ([]*sedCmd, *sedError) {
	var cmds []*sedCmd
	for {
		p.skipSpace()
		if p.pos >= len(p.src) {
			if nested {
				return nil, p.fail("unmatched `{'")
			}
			return cmds, nil
		}
		if p.src[p.pos] == '}' {
			if !nested {
				return nil, p.fail("unexpected `}'")
			}
			p.pos++
			return cmds, nil
		}
		if p.src[p.pos] == '#' {
			for p.pos < len(p.src) && p.src[p.pos] != '\n' {
				p.pos++
			}
			continue
		}
		cmd, err := p.command()
		if err != nil {
			return nil, err
		}
		cmds = append(cmds, cmd)
	}
}

func (p *sedParser) address() (*sedAddr, *sedError) {
	if p.pos >= len(p.src) {
		return nil, nil
	}
	ch := p.src[p.pos]
	switch {
	case ch >= '0' && ch <= '9':
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		n, _ := strconv.Atoi(p.src[start:p.pos])
		if n == 0 {
			return nil, p.fail("invalid usage of line address 0")
		}
		return &sedAddr{line: n}, nil
	case ch == '$':
		p.pos++
		return &sedAddr{last: true}, nil
	case ch == '/' || ch == '\\':
		delim := byte('/')
		if ch == '\\' {
			p.pos++
			if p.pos >= len(p.src) {
				return nil, p.fail("unexpected end of expression")
			}
			delim = p.src[p.pos]
		}
		p.pos++
		expr, err := p.delimited(delim)
		if err != nil {
			return nil, err
		}
		icase := false
		if p.pos < len(p.src) && (p.src[p.pos] == 'I') {
			icase = true
			p.pos++
		}
		re, cerr := p.regex(expr, icase)
		if cerr != nil {
			return nil, cerr
		}
		return &sedAddr{re: re}, nil
	}
	return nil, nil
}

// delimited reads up to an unescaped delimiter; "\delim" becomes the
// delimiter itself, "\n" a newline, other escapes are kept for the regexp.
func (p *sedParser) delimited(delim byte) (string, *sedError) {
	var b strings.Builder
	for p.pos < len(p.src) {
		ch := p.src[p.pos]
		if ch == '\\' && p.pos+1 < len(p.src) {
			next := p.src[p.pos+1]
			switch next {
			case delim:
				b.WriteByte(delim)
			case 'n':
				b.WriteByte('\n')
			default:
				b.WriteByte('\\')
				b.WriteByte(next)
			}
			p.pos += 2
			continue
		}
		if ch == delim {
			p.pos++
			return b.String(), nil
		}
		b.WriteByte(ch)
		p.pos++
	}
	return "", p.fail("unterminated address regex")
}

func (p *sedParser) regex(expr string, icase bool) (*regexp.Regexp, *sedError) {
	if expr == "" {
		if p.last == nil {
			return nil, p.fail("no previous regular expression")
		}
		return p.last, nil
	}
	re, err := posixRegexp(expr, p.ere, icase)
	if err != nil {
		return nil, p.fail("Invalid regular expression")
	}
	p.last = re
	return re, nil
}

func (p *sedParser) command() (*sedCmd, *sedError) {
	cmd := &sedCmd{}
	var err *sedError
	if cmd.a1, err = p.address(); err != nil {
		return nil, err
	}
	if cmd.a1 != nil && p.pos < len(p.src) && p.src[p.pos] == ',' {
		p.pos++
		if cmd.a2, err = p.address(); err != nil {
			return nil, err
		}
		if cmd.a2 == nil {
			return nil, p.fail("unexpected `,'")
		}
	}
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	if p.pos < len(p.src) && p.src[p.pos] == '!' {
		cmd.negate = true
		p.pos++
		for p.pos < len(p.src) && p.src[p.pos] == ' ' {
			p.pos++
		}
	}
	if p.pos >= len(p.src) {
		return nil, p.fail("missing command")
	}
	cmd.name = p.src[p.pos]
	p.pos++
	switch cmd.name {
	case '{':
		if cmd.block, err = p.block(true); err != nil {
			return nil, err
		}
	case 'd', 'D', 'p', 'P', '=', 'n', 'N', 'h', 'H', 'g', 'G', 'x':
	case 'q', 'Q':
		start := p.pos
		for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
			p.pos++
		}
		cmd.exit, _ = strconv.Atoi(p.src[start:p.pos])
	case 'a', 'i', 'c':
		cmd.text = p.text()
	case 's':
		if err := p.substitution(cmd); err != nil {
			return nil, err
		}
	case 'y':
		if p.pos >= len(p.src) {
			return nil, p.fail("unterminated `y' command")
		}
		delim := p.src[p.pos]
		p.pos++
		if cmd.from, err = p.delimited(delim); err != nil {
			return nil, p.fail("unterminated `y' command")
		}
		if cmd.to, err = p.delimited(delim); err != nil {
			return nil, p.fail("unterminated `y' command")
		}
		if len(cmd.from) != len(cmd.to) {
			return nil, p.fail("strings for `y' command are different lengths")
		}
	default:
		return nil, p.fail(fmt.Sprintf("unknown command: `%c'", cmd.name))
	}
	return cmd, nil
}

// text reads the text of a, i, c: GNU's one-line form "a text" or the POSIX
// "a\" newline text, with backslash-newline continuing it.
func (p *sedParser) text() string {
	if p.pos < len(p.src) && p.src[p.pos] == '\\' {
		p.pos++
		if p.pos < len(p.src) && p.src[p.pos] == '\n' {
			p.pos++
		}
	}
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
	var b strings.Builder
	for p.pos < len(p.src) && p.src[p.pos] != '\n' {
		if p.src[p.pos] == '\\' && p.pos+1 < len(p.src) {
			p.pos++
		}
		b.WriteByte(p.src[p.pos])
		p.pos++
	}
	return b.String()
}

func (p *sedParser) substitution(cmd *sedCmd) *sedError {
	if p.pos >= len(p.src) {
		return p.fail("unterminated `s' command")
	}
	delim := p.src[p.pos]
	p.pos++
	expr, err := p.delimited(delim)
	if err != nil {
		return p.fail("unterminated `s' command")
	}
	// The replacement keeps its escapes (\1, \&, \n) for the substitution.
	var repl strings.Builder
	for {
		if p.pos >= len(p.src) {
			return p.fail("unterminated `s' command")
		}
		ch := p.src[p.pos]
		if ch == '\\' && p.pos+1 < len(p.src) {
			if p.src[p.pos+1] == delim {
				repl.WriteByte(delim)
			} else {
				repl.WriteString(p.src[p.pos : p.pos+2])
			}
			p.pos += 2
			continue
		}
		p.pos++
		if ch == delim {
			break
		}
		repl.WriteByte(ch)
	}
	cmd.repl = repl.String()
	icase := false
	for p.pos < len(p.src) {
		ch := p.src[p.pos]
		switch {
		case ch == 'g':
			cmd.global = true
		case ch == 'p':
			cmd.print = true
		case ch == 'i' || ch == 'I':
			icase = true
		case ch >= '0' && ch <= '9':
			cmd.nth = cmd.nth*10 + int(ch-'0')
		case ch == ';' || ch == '\n' || ch == ' ' || ch == '}' || ch == '\t':
			goto done
		default:
			return p.fail("unknown option to `s'")
		}
		p.pos++
	}
done:
	re, rerr := p.regex(expr, icase)
	if rerr != nil {
		return rerr
	}
	cmd.re = re
	return nil
}
