package shell

import (
	"fmt"
	"io"
	"math"
	"math/rand"
	"strconv"
	"strings"
)

// awkProgram runs awk [-F FS] [-v VAR=VALUE]... [-f FILE | 'PROGRAM']
// [FILE | VAR=VALUE]...: exit 2 on a syntax error or a missing file, else
// the status of exit (0 by default).
func awkProgram(c *Call) int {
	args := c.Args[1:]
	fs := " "
	var assigns []string
	src := ""
	haveSrc := false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && len(args[0]) > 1 {
		a := args[0]
		switch {
		case a == "--":
			args = args[1:]
			goto operands
		case a == "-F" && len(args) > 1:
			fs = args[1]
			args = args[1:]
		case strings.HasPrefix(a, "-F"):
			fs = a[2:]
		case a == "-v" && len(args) > 1:
			assigns = append(assigns, args[1])
			args = args[1:]
		case strings.HasPrefix(a, "-v"):
			assigns = append(assigns, a[2:])
		case a == "-f" && len(args) > 1:
			data, err := c.Env.FS.ReadFile(c.Abs(args[1]))
			if err != nil {
				fmt.Fprintf(c.Stderr, "awk: can't open file %s\n", args[1])
				return 2
			}
			src += string(data) + "\n"
			haveSrc = true
			args = args[1:]
		default:
			fmt.Fprintf(c.Stderr, "awk: not an option: %s\n", a)
			return 2
		}
		args = args[1:]
	}
operands:
	if !haveSrc {
		if len(args) == 0 {
			fmt.Fprintln(c.Stderr, "usage: awk [-F value] [-v var=value] [--] 'program text' [file ...]")
			return 2
		}
		src, args = args[0], args[1:]
	}
	if fs == "t" {
		fs = "\t"
	}
	fs = unescapeAwk(fs)
	prog, err := parseAwk(src)
	if err != nil {
		fmt.Fprintf(c.Stderr, "awk: %v\n", err)
		return 2
	}
	in := &awkInterp{c: c, prog: prog, vars: map[string]awkValue{}, arrays: map[string]map[string]awkValue{},
		files: map[string]*strings.Builder{}, out: c.Stdout}
	in.setVar("FS", awkStrNum(fs))
	in.setVar("OFS", awkString(" "))
	in.setVar("ORS", awkString("\n"))
	in.setVar("SUBSEP", awkString("\x1c"))
	in.setVar("CONVFMT", awkString("%.6g"))
	in.setVar("OFMT", awkString("%.6g"))
	in.setVar("RSTART", awkNumber(0))
	in.setVar("RLENGTH", awkNumber(-1))
	env := map[string]awkValue{}
	for _, kv := range c.Environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = awkStrNum(v)
		}
	}
	in.arrays["ENVIRON"] = env
	for _, a := range assigns {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			fmt.Fprintf(c.Stderr, "awk: invalid -v argument: %s\n", a)
			return 2
		}
		in.setVar(k, awkStrNum(unescapeAwk(v)))
	}
	return in.run(args)
}

func unescapeAwk(s string) string {
	if !strings.Contains(s, "\\") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
			b.WriteString(awkEscape(s[i]))
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// awkValue is a string, a number, or a "strnum" (input that looks numeric
// compares as a number, as POSIX says).
type awkValue struct {
	s     string
	n     float64
	kind  byte // 'n' number, 's' string, 'u' strnum (from input)
	isSet bool
}

func awkNumber(n float64) awkValue { return awkValue{n: n, kind: 'n', isSet: true} }
func awkString(s string) awkValue  { return awkValue{s: s, kind: 's', isSet: true} }
func awkStrNum(s string) awkValue {
	v := awkValue{s: s, kind: 's', isSet: true}
	if n, ok := looksNumeric(s); ok {
		v.kind, v.n = 'u', n
	}
	return v
}

func looksNumeric(s string) (float64, bool) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(t, 64)
	if err != nil || strings.ContainsAny(t, "xXnN") {
		return 0, false
	}
	return n, true
}

// toNum is awk's string-to-number conversion: the longest numeric prefix.
func (v awkValue) toNum() float64 {
	if v.kind == 'n' || v.kind == 'u' {
		return v.n
	}
	t := strings.TrimLeft(v.s, " \t\n")
	end := 0
	seenDigit, seenDot, seenE := false, false, false
	for end < len(t) {
		ch := t[end]
		switch {
		case isDigit(ch):
			seenDigit = true
		case (ch == '+' || ch == '-') && (end == 0 || t[end-1] == 'e' || t[end-1] == 'E'):
		case ch == '.' && !seenDot && !seenE:
			seenDot = true
		case (ch == 'e' || ch == 'E') && seenDigit && !seenE:
			seenE = true
		default:
			goto done
		}
		end++
	}
done:
	for end > 0 {
		if n, err := strconv.ParseFloat(t[:end], 64); err == nil {
			return n
		}
		end--
	}
	return 0
}

func (in *awkInterp) toStr(v awkValue) string {
	if v.kind != 'n' {
		return v.s
	}
	return in.numStr(v.n, "CONVFMT")
}

func (in *awkInterp) numStr(n float64, fmtVar string) string {
	if n == math.Trunc(n) && math.Abs(n) < 1e16 {
		return strconv.FormatFloat(n, 'f', 0, 64)
	}
	return awkSprintf(in.toStr(in.getVar(fmtVar)), []awkValue{awkNumber(n)}, in)
}

func (v awkValue) toBool() bool {
	switch v.kind {
	case 'n':
		return v.n != 0
	case 'u':
		return v.n != 0
	}
	return v.s != ""
}

type awkInterp struct {
	c        *Call
	prog     *awkScript
	vars     map[string]awkValue
	arrays   map[string]map[string]awkValue
	fields   []string // fields[0] is $0
	nf       int
	files    map[string]*strings.Builder
	fileMode map[string]bool // append
	out      io.Writer
	exitCode int
	rng      *rand.Rand
}

type awkControl int

const (
	ctlNone awkControl = iota
	ctlNext
	ctlExit
	ctlBreak
	ctlContinue
)

type awkRuntimeError struct{ msg string }

func (e awkRuntimeError) Error() string { return e.msg }
