package shell

import (
	"strconv"
	"strings"
)

// Running a parsed sed program over its input.

// sedRun executes a program over the input lines.
type sedRun struct {
	prog    []*sedCmd
	quiet   bool
	out     *strings.Builder
	exit    int
	input   sedLines
	next    int // index of the next input line
	lineNo  int
	pattern string
	hold    string
	append  []string
	subst   bool
	quit    bool
	noPrint bool
}

func (r *sedRun) exec(in sedLines) {
	r.exit = -1
	r.input = in
	for r.next < len(in.lines) && !r.quit {
		r.pattern = in.lines[r.next]
		r.next++
		r.lineNo++
		r.append, r.subst, r.noPrint = nil, false, false
		deleted := r.runCmds(r.prog)
		if !deleted && !r.quiet && !r.noPrint {
			r.emit(r.pattern)
		}
		for _, a := range r.append {
			r.emit(a)
		}
	}
	// A last input line without a newline is written without one.
	if len(in.lines) > 0 && !in.lastNewline && r.next >= len(in.lines) {
		trimmed := strings.TrimSuffix(r.out.String(), "\n")
		r.out.Reset()
		r.out.WriteString(trimmed)
	}
}

func (r *sedRun) emit(s string) { r.emitRaw(s) }

func (r *sedRun) isLast() bool { return r.next >= len(r.input.lines) }

func (r *sedRun) matchAddr(a *sedAddr) bool {
	switch {
	case a.line > 0:
		return r.lineNo == a.line
	case a.last:
		return r.isLast()
	case a.re != nil:
		return a.re.MatchString(r.pattern)
	}
	return false
}

func (r *sedRun) selected(c *sedCmd) bool {
	var hit bool
	switch {
	case c.a1 == nil:
		hit = true
	case c.a2 == nil:
		hit = r.matchAddr(c.a1)
	case c.inRange:
		hit = true
		if c.a2.line > 0 && r.lineNo >= c.a2.line || c.a2.line == 0 && r.matchAddr(c.a2) {
			c.inRange = false
		}
	case r.matchAddr(c.a1):
		hit = true
		// A line-number end at or before the start closes the range at once.
		if (c.a2.line <= 0 || c.a2.line > r.lineNo) && (!c.a2.last || !r.isLast()) {
			c.inRange = true
		}
	}
	return hit != c.negate
}

// runCmds runs commands on the pattern space; true means the cycle ended
// without the automatic print (d, or a quit that must not print).
func (r *sedRun) runCmds(cmds []*sedCmd) bool {
	for _, c := range cmds {
		if r.quit {
			return r.noPrint
		}
		if !r.selected(c) {
			continue
		}
		switch c.name {
		case '{':
			if r.runCmds(c.block) {
				return true
			}
		case 'd':
			return true
		case 'D':
			if i := strings.IndexByte(r.pattern, '\n'); i >= 0 {
				r.pattern = r.pattern[i+1:]
			}
			return true
		case 'p':
			r.emitRaw(r.pattern)
		case 'P':
			r.emitRaw(strings.SplitN(r.pattern, "\n", 2)[0])
		case '=':
			r.emitRaw(strconv.Itoa(r.lineNo))
		case 'a':
			r.append = append(r.append, c.text)
		case 'i':
			r.emitRaw(c.text)
		case 'c':
			if c.a2 == nil || !c.inRange {
				r.emitRaw(c.text)
			}
			return true
		case 'q':
			r.quit, r.exit = true, c.exit
			return false
		case 'Q':
			r.quit, r.exit, r.noPrint = true, c.exit, true
			return true
		case 'n':
			if r.isLast() {
				r.quit = true
				return false
			}
			if !r.quiet {
				r.emitRaw(r.pattern)
			}
			r.pattern = r.input.lines[r.next]
			r.next++
			r.lineNo++
		case 'N':
			if r.isLast() {
				r.quit = true
				return false
			}
			r.pattern += "\n" + r.input.lines[r.next]
			r.next++
			r.lineNo++
		case 'h':
			r.hold = r.pattern
		case 'H':
			r.hold += "\n" + r.pattern
		case 'g':
			r.pattern = r.hold
		case 'G':
			r.pattern += "\n" + r.hold
		case 'x':
			r.pattern, r.hold = r.hold, r.pattern
		case 'y':
			var b strings.Builder
			for i := 0; i < len(r.pattern); i++ {
				if j := strings.IndexByte(c.from, r.pattern[i]); j >= 0 {
					b.WriteByte(c.to[j])
				} else {
					b.WriteByte(r.pattern[i])
				}
			}
			r.pattern = b.String()
		case 's':
			if r.substitute(c) && c.print {
				r.emitRaw(r.pattern)
			}
		}
	}
	return false
}

func (r *sedRun) emitRaw(s string) {
	r.out.WriteString(s)
	r.out.WriteByte('\n')
}

// substitute applies s///: the nth match (1 by default) or, with g, every
// match from the nth on; & is the match, \1..\9 the groups, \n a newline.
func (r *sedRun) substitute(c *sedCmd) bool {
	matches := c.re.FindAllStringSubmatchIndex(r.pattern, -1)
	nth := max(1, c.nth)
	if len(matches) < nth {
		return false
	}
	var b strings.Builder
	prev := 0
	for i, m := range matches {
		if i+1 < nth || (!c.global && i+1 > nth) {
			continue
		}
		b.WriteString(r.pattern[prev:m[0]])
		b.WriteString(expandReplacement(c.repl, r.pattern, m))
		prev = m[1]
	}
	b.WriteString(r.pattern[prev:])
	r.pattern = b.String()
	r.subst = true
	return true
}

func expandReplacement(repl, s string, m []int) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		ch := repl[i]
		switch {
		case ch == '&':
			b.WriteString(s[m[0]:m[1]])
		case ch == '\\' && i+1 < len(repl):
			i++
			next := repl[i]
			switch {
			case next >= '0' && next <= '9':
				g := int(next - '0')
				if 2*g+1 < len(m) && m[2*g] >= 0 {
					b.WriteString(s[m[2*g]:m[2*g+1]])
				}
			case next == 'n':
				b.WriteByte('\n')
			case next == 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(next)
			}
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}
