package shell

import (
	"fmt"
	"io"
	"math"
	"math/rand"
	"regexp"
	"sort"
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

func (in *awkInterp) run(operands []string) (code int) {
	defer func() {
		if r := recover(); r != nil {
			if re, ok := r.(awkRuntimeError); ok {
				fmt.Fprintf(in.c.Stderr, "awk: %s\n", re.msg)
				code = 2
				return
			}
			panic(r)
		}
	}()
	in.setRecord("")
	exited := false
	for _, it := range in.prog.items {
		if it.begin {
			if in.block(it.action) == ctlExit {
				exited = true
				break
			}
		}
	}
	hasMain := false
	for _, it := range in.prog.items {
		if !it.begin {
			hasMain = true
		}
	}
	status := 0
	if !exited && hasMain {
		var files []string
		for _, op := range operands {
			if k, v, ok := strings.Cut(op, "="); ok && isAwkName(k) {
				files = append(files, "\x00"+k+"="+v)
				continue
			}
			files = append(files, op)
		}
		realFiles := 0
		for _, f := range files {
			if !strings.HasPrefix(f, "\x00") {
				realFiles++
			}
		}
		nr := 0
	files:
		for i := 0; i <= len(files); i++ {
			var data []byte
			name := ""
			switch {
			case i == len(files) && realFiles == 0:
				data, _ = io.ReadAll(in.c.Stdin)
			case i == len(files):
				continue
			case strings.HasPrefix(files[i], "\x00"):
				k, v, _ := strings.Cut(files[i][1:], "=")
				in.setVar(k, awkStrNum(unescapeAwk(v)))
				continue
			case files[i] == "-":
				data, _ = io.ReadAll(in.c.Stdin)
				name = "-"
			default:
				var err error
				data, err = in.c.Env.FS.ReadFile(in.c.Abs(files[i]))
				if err != nil {
					fmt.Fprintf(in.c.Stderr, "awk: cannot open \"%s\" (%s)\n", files[i], errText(err))
					status = 2
					continue
				}
				name = files[i]
			}
			in.setVar("FILENAME", awkString(name))
			fnr := 0
			for _, line := range splitLines(data) {
				nr++
				fnr++
				in.setVar("NR", awkNumber(float64(nr)))
				in.setVar("FNR", awkNumber(float64(fnr)))
				in.setRecord(line)
				if in.record() == ctlExit {
					exited = true
					break files
				}
			}
		}
	}
	_ = exited
	for _, it := range in.prog.items {
		if it.end {
			if in.block(it.action) == ctlExit {
				break
			}
		}
	}
	in.flushFiles()
	if in.exitCode != 0 {
		return in.exitCode
	}
	return status
}

func isAwkName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isAlpha(s[i]) && !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// record runs the main items on one input record.
func (in *awkInterp) record() awkControl {
	for _, it := range in.prog.items {
		if it.begin || it.end {
			continue
		}
		if !in.selects(it) {
			continue
		}
		if !it.hasAction {
			in.printRecord(in.out, []awkExpr{})
			continue
		}
		switch in.block(it.action) {
		case ctlNext:
			return ctlNone
		case ctlExit:
			return ctlExit
		}
	}
	return ctlNone
}

func (in *awkInterp) selects(it *awkItem) bool {
	switch {
	case it.pattern == nil:
		return true
	case it.pattern2 == nil:
		return in.cond(it.pattern)
	case it.inRange:
		if in.cond(it.pattern2) {
			it.inRange = false
		}
		return true
	case in.cond(it.pattern):
		it.inRange = !in.cond(it.pattern2)
		return true
	}
	return false
}

func (in *awkInterp) cond(e awkExpr) bool {
	if r, ok := e.(*awkRegexE); ok {
		return r.re.MatchString(in.fields[0])
	}
	return in.eval(e).toBool()
}

func (in *awkInterp) block(stmts awkBlock) awkControl {
	for _, st := range stmts {
		if ctl := in.stmt(st); ctl != ctlNone {
			return ctl
		}
	}
	return ctlNone
}

func (in *awkInterp) stmt(st awkStmt) awkControl {
	switch s := st.(type) {
	case awkBlock:
		return in.block(s)
	case *awkExprStmt:
		in.eval(s.x)
	case *awkPrintStmt:
		w := in.out
		if s.redir != "" {
			w = in.redirect(s.redir, in.toStr(in.eval(s.dest)))
		}
		if s.printf {
			vals := make([]awkValue, len(s.args)-1)
			for i, a := range s.args[1:] {
				vals[i] = in.eval(a)
			}
			_, _ = io.WriteString(w, awkSprintf(in.toStr(in.eval(s.args[0])), vals, in))
		} else {
			in.printRecord(w, s.args)
		}
	case *awkIfStmt:
		if in.cond(s.cond) {
			return in.stmt(s.then)
		} else if s.els_ != nil {
			return in.stmt(s.els_)
		}
	case *awkWhileStmt:
		for first := true; s.do && first || in.cond(s.cond); first = false {
			switch in.stmt(s.body) {
			case ctlBreak:
				return ctlNone
			case ctlNext:
				return ctlNext
			case ctlExit:
				return ctlExit
			}
		}
	case *awkForStmt:
		if s.init != nil {
			in.stmt(s.init)
		}
		for s.cond == nil || in.cond(s.cond) {
			switch in.stmt(s.body) {
			case ctlBreak:
				return ctlNone
			case ctlNext:
				return ctlNext
			case ctlExit:
				return ctlExit
			}
			if s.post != nil {
				in.stmt(s.post)
			}
		}
	case *awkForInStmt:
		arr := in.array(s.arr)
		keys := make([]string, 0, len(arr))
		for k := range arr {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if _, ok := arr[k]; !ok {
				continue
			}
			in.setVar(s.v, awkStrNum(k))
			switch in.stmt(s.body) {
			case ctlBreak:
				return ctlNone
			case ctlNext:
				return ctlNext
			case ctlExit:
				return ctlExit
			}
		}
	case *awkNextStmt:
		return ctlNext
	case *awkExitStmt:
		if s.code != nil {
			in.exitCode = int(in.eval(s.code).toNum())
		}
		return ctlExit
	case *awkBreakStmt:
		return ctlBreak
	case *awkContStmt:
		return ctlContinue
	case *awkDeleteStmt:
		if s.keys == nil {
			in.arrays[s.name] = map[string]awkValue{}
		} else {
			delete(in.array(s.name), in.key(s.keys))
		}
	}
	return ctlNone
}

func (in *awkInterp) printRecord(w io.Writer, args []awkExpr) {
	ofs, ors := in.toStr(in.getVar("OFS")), in.toStr(in.getVar("ORS"))
	if len(args) == 0 {
		_, _ = io.WriteString(w, in.fields[0]+ors)
		return
	}
	parts := make([]string, len(args))
	for i, a := range args {
		v := in.eval(a)
		if v.kind == 'n' {
			parts[i] = in.numStr(v.n, "OFMT")
		} else {
			parts[i] = v.s
		}
	}
	_, _ = io.WriteString(w, strings.Join(parts, ofs)+ors)
}

// redirect opens print's > and >> targets (kept open, as awk does, and
// written when the program ends); "|" pipes into a shell command.
func (in *awkInterp) redirect(mode, name string) io.Writer {
	if mode == "|" {
		return &awkPipe{in: in, cmd: name}
	}
	if b, ok := in.files[name]; ok {
		return b
	}
	b := &strings.Builder{}
	if name == "/dev/stdout" || name == "-" {
		return in.out
	}
	if name == "/dev/stderr" {
		return in.c.Stderr
	}
	in.files[name] = b
	if in.fileMode == nil {
		in.fileMode = map[string]bool{}
	}
	in.fileMode[name] = mode == ">>"
	return b
}

type awkPipe struct {
	in  *awkInterp
	cmd string
}

func (p *awkPipe) Write(b []byte) (int, error) {
	p.in.c.Env.Run(p.in.c.Ctx, p.cmd, strings.NewReader(string(b)), p.in.out, p.in.c.Stderr, p.in.c.Dir)
	return len(b), nil
}

func (in *awkInterp) flushFiles() {
	for name, b := range in.files {
		p := in.c.Abs(name)
		data := []byte(b.String())
		if in.fileMode[name] {
			old, _ := in.c.Env.FS.ReadFile(p)
			data = append(old, data...)
		}
		if err := in.c.Env.FS.WriteFile(p, data, 0o644); err != nil {
			fmt.Fprintf(in.c.Stderr, "awk: can't redirect to %s (%s)\n", name, errText(err))
		}
	}
}

// Records and fields.

func (in *awkInterp) setRecord(line string) {
	in.fields = append(in.fields[:0], line)
	in.splitRecord()
}

func (in *awkInterp) splitRecord() {
	parts := in.split(in.fields[0], in.toStr(in.getVar("FS")))
	in.fields = append(in.fields[:1], parts...)
	in.nf = len(parts)
	in.vars["NF"] = awkNumber(float64(in.nf))
}

// split follows FS: " " splits on runs of blanks and trims, one other
// character splits on it literally, anything longer is a regex.
func (in *awkInterp) split(s, fs string) []string {
	switch {
	case fs == " ":
		return strings.Fields(s)
	case s == "":
		return nil
	case len(fs) == 1 && fs != "\\":
		return strings.Split(s, fs)
	}
	re, err := posixRegexp(fs, true, false)
	if err != nil {
		panic(awkRuntimeError{msg: "bad field separator " + fs})
	}
	return re.Split(s, -1)
}

func (in *awkInterp) getField(i int) awkValue {
	if i < 0 {
		panic(awkRuntimeError{msg: fmt.Sprintf("trying to access out of range field %d", i)})
	}
	if i < len(in.fields) && i <= in.nf {
		return awkStrNum(in.fields[i])
	}
	return awkValue{kind: 's'}
}

func (in *awkInterp) setField(i int, v string) {
	if i == 0 {
		in.setRecord(v)
		return
	}
	for len(in.fields) <= i {
		in.fields = append(in.fields, "")
	}
	in.fields[i] = v
	if i > in.nf {
		in.nf = i
	}
	in.rebuild()
}

// rebuild joins $1..$NF with OFS into $0, after a field or NF changed.
func (in *awkInterp) rebuild() {
	for len(in.fields) <= in.nf {
		in.fields = append(in.fields, "")
	}
	in.fields = in.fields[:in.nf+1]
	in.fields[0] = strings.Join(in.fields[1:], in.toStr(in.getVar("OFS")))
	in.vars["NF"] = awkNumber(float64(in.nf))
}

// Variables and arrays.

func (in *awkInterp) getVar(name string) awkValue {
	if name == "NF" {
		return awkNumber(float64(in.nf))
	}
	return in.vars[name]
}

func (in *awkInterp) setVar(name string, v awkValue) {
	if _, isArr := in.arrays[name]; isArr {
		panic(awkRuntimeError{msg: fmt.Sprintf("can't assign to %s; it's an array name.", name)})
	}
	if name == "NF" {
		in.nf = int(v.toNum())
		in.rebuild()
		return
	}
	in.vars[name] = v
}

func (in *awkInterp) array(name string) map[string]awkValue {
	a, ok := in.arrays[name]
	if !ok {
		a = map[string]awkValue{}
		in.arrays[name] = a
	}
	return a
}

func (in *awkInterp) key(keys []awkExpr) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = in.toStr(in.eval(k))
	}
	return strings.Join(parts, in.toStr(in.getVar("SUBSEP")))
}

func (in *awkInterp) assign(target awkExpr, v awkValue) {
	switch t := target.(type) {
	case *awkVar:
		in.setVar(t.name, v)
	case *awkField:
		in.setField(int(in.eval(t.idx).toNum()), in.toStr(v))
	case *awkIndex:
		in.array(t.name)[in.key(t.keys)] = v
	case *awkGroup:
		in.assign(t.x, v)
	}
}

// Expressions.

func (in *awkInterp) eval(e awkExpr) awkValue {
	switch x := e.(type) {
	case *awkNum:
		return awkNumber(x.v)
	case *awkStr:
		return awkString(x.v)
	case *awkRegexE:
		return awkBool(x.re.MatchString(in.fields[0]))
	case *awkVar:
		if _, isArr := in.arrays[x.name]; isArr {
			panic(awkRuntimeError{msg: fmt.Sprintf("can't use array %s in scalar context", x.name)})
		}
		return in.getVar(x.name)
	case *awkField:
		return in.getField(int(in.eval(x.idx).toNum()))
	case *awkIndex:
		arr := in.array(x.name)
		k := in.key(x.keys)
		v, ok := arr[k]
		if !ok {
			v = awkValue{kind: 's'}
			arr[k] = v
		}
		return v
	case *awkGroup:
		if list, ok := x.x.([]awkExpr); ok {
			return in.eval(list[len(list)-1])
		}
		return in.eval(x.x)
	case *awkAssign:
		v := in.eval(x.value)
		if x.op != "=" {
			v = awkNumber(arith(x.op[:1], in.eval(x.target).toNum(), v.toNum()))
		}
		if v.kind == 'u' {
			v.kind = 's'
			if n, ok := looksNumeric(v.s); ok {
				v.kind, v.n = 'u', n
			}
		}
		in.assign(x.target, v)
		return v
	case *awkIncDec:
		old := in.eval(x.target).toNum()
		in.assign(x.target, awkNumber(old+x.delta))
		if x.prefix {
			return awkNumber(old + x.delta)
		}
		return awkNumber(old)
	case *awkCond:
		if in.cond(x.c) {
			return in.eval(x.a)
		}
		return in.eval(x.b)
	case *awkUnary:
		switch x.op {
		case "!":
			return awkBool(!in.cond(x.x))
		case "-":
			return awkNumber(-in.eval(x.x).toNum())
		}
		return awkNumber(in.eval(x.x).toNum())
	case *awkMatchE:
		s := in.toStr(in.eval(x.l))
		return awkBool(in.regexOf(x.re).MatchString(s) != x.negate)
	case *awkIn:
		_, ok := in.array(x.name)[in.key(x.keys)]
		return awkBool(ok)
	case *awkBinary:
		return in.binary(x)
	case *awkCall:
		return in.call(x)
	}
	panic(awkRuntimeError{msg: fmt.Sprintf("cannot evaluate %T", e)})
}

func awkBool(b bool) awkValue {
	if b {
		return awkNumber(1)
	}
	return awkNumber(0)
}

// regexOf turns the right side of ~ into a regexp: a /re/ literal, or a
// dynamic regex from a string.
func (in *awkInterp) regexOf(e awkExpr) *regexp.Regexp {
	if r, ok := e.(*awkRegexE); ok {
		return r.re
	}
	src := in.toStr(in.eval(e))
	re, err := posixRegexp(src, true, false)
	if err != nil {
		panic(awkRuntimeError{msg: fmt.Sprintf("syntax error in regular expression %s", src)})
	}
	return re
}

func arith(op string, a, b float64) float64 {
	switch op {
	case "+":
		return a + b
	case "-":
		return a - b
	case "*":
		return a * b
	case "/":
		if b == 0 {
			panic(awkRuntimeError{msg: "division by zero"})
		}
		return a / b
	case "%":
		if b == 0 {
			panic(awkRuntimeError{msg: "division by zero in %"})
		}
		return math.Mod(a, b)
	case "^":
		return math.Pow(a, b)
	}
	return 0
}

func (in *awkInterp) binary(x *awkBinary) awkValue {
	switch x.op {
	case "&&":
		return awkBool(in.cond(x.l) && in.cond(x.r))
	case "||":
		return awkBool(in.cond(x.l) || in.cond(x.r))
	case "concat":
		return awkString(in.toStr(in.eval(x.l)) + in.toStr(in.eval(x.r)))
	case "+", "-", "*", "/", "%", "^":
		return awkNumber(arith(x.op, in.eval(x.l).toNum(), in.eval(x.r).toNum()))
	}
	l, r := in.eval(x.l), in.eval(x.r)
	var cmp int
	numeric := (l.kind == 'n' || l.kind == 'u' || !l.isSet) && (r.kind == 'n' || r.kind == 'u' || !r.isSet)
	if numeric {
		a, b := l.toNum(), r.toNum()
		switch {
		case a < b:
			cmp = -1
		case a > b:
			cmp = 1
		}
	} else {
		cmp = strings.Compare(in.toStr(l), in.toStr(r))
	}
	switch x.op {
	case "<":
		return awkBool(cmp < 0)
	case "<=":
		return awkBool(cmp <= 0)
	case ">":
		return awkBool(cmp > 0)
	case ">=":
		return awkBool(cmp >= 0)
	case "==":
		return awkBool(cmp == 0)
	case "!=":
		return awkBool(cmp != 0)
	}
	panic(awkRuntimeError{msg: "unknown operator " + x.op})
}

func (in *awkInterp) argc(x *awkCall, lo, hi int) {
	if len(x.args) < lo || len(x.args) > hi {
		panic(awkRuntimeError{msg: fmt.Sprintf("function %s called with %d args", x.name, len(x.args))})
	}
}

func (in *awkInterp) call(x *awkCall) awkValue {
	str := func(i int) string { return in.toStr(in.eval(x.args[i])) }
	num := func(i int) float64 { return in.eval(x.args[i]).toNum() }
	switch x.name {
	case "length":
		if len(x.args) == 0 {
			return awkNumber(float64(len([]rune(in.fields[0]))))
		}
		if v, ok := x.args[0].(*awkVar); ok {
			if arr, isArr := in.arrays[v.name]; isArr {
				return awkNumber(float64(len(arr)))
			}
		}
		return awkNumber(float64(len([]rune(str(0)))))
	case "substr":
		in.argc(x, 2, 3)
		s := []rune(str(0))
		start := math.Round(num(1))
		end := float64(len(s)) + 1
		if len(x.args) == 3 {
			end = start + math.Round(num(2))
		}
		start = math.Max(start, 1)
		end = math.Min(end, float64(len(s))+1)
		if end <= start {
			return awkString("")
		}
		return awkString(string(s[int(start)-1 : int(end)-1]))
	case "index":
		in.argc(x, 2, 2)
		return awkNumber(float64(strings.Index(str(0), str(1)) + 1))
	case "split":
		in.argc(x, 2, 3)
		target, ok := x.args[1].(*awkVar)
		if !ok {
			panic(awkRuntimeError{msg: "split: second argument must be an array name"})
		}
		fs := in.toStr(in.getVar("FS"))
		if len(x.args) == 3 {
			if r, isRe := x.args[2].(*awkRegexE); isRe {
				parts := r.re.Split(str(0), -1)
				return in.fillArray(target.name, parts)
			}
			fs = str(2)
		}
		return in.fillArray(target.name, in.split(str(0), fs))
	case "sub", "gsub":
		in.argc(x, 2, 3)
		re := in.regexOf(x.args[0])
		repl := str(1)
		var target awkExpr = &awkField{idx: &awkNum{v: 0}}
		if len(x.args) == 3 {
			target = x.args[2]
		}
		s := in.toStr(in.eval(target))
		count := 0
		out := re.ReplaceAllStringFunc(s, func(m string) string {
			if x.name == "sub" && count > 0 {
				return m
			}
			count++
			return awkReplacement(repl, m)
		})
		if count > 0 {
			in.assign(target, awkString(out))
		}
		return awkNumber(float64(count))
	case "match":
		in.argc(x, 2, 2)
		loc := in.regexOf(x.args[1]).FindStringIndex(str(0))
		if loc == nil {
			in.setVar("RSTART", awkNumber(0))
			in.setVar("RLENGTH", awkNumber(-1))
			return awkNumber(0)
		}
		in.setVar("RSTART", awkNumber(float64(loc[0]+1)))
		in.setVar("RLENGTH", awkNumber(float64(loc[1]-loc[0])))
		return awkNumber(float64(loc[0] + 1))
	case "sprintf":
		if len(x.args) == 0 {
			panic(awkRuntimeError{msg: "sprintf needs a format"})
		}
		vals := make([]awkValue, len(x.args)-1)
		for i, a := range x.args[1:] {
			vals[i] = in.eval(a)
		}
		return awkString(awkSprintf(str(0), vals, in))
	case "tolower":
		in.argc(x, 1, 1)
		return awkString(strings.ToLower(str(0)))
	case "toupper":
		in.argc(x, 1, 1)
		return awkString(strings.ToUpper(str(0)))
	case "int":
		in.argc(x, 1, 1)
		return awkNumber(math.Trunc(num(0)))
	case "sqrt":
		return awkNumber(math.Sqrt(num(0)))
	case "exp":
		return awkNumber(math.Exp(num(0)))
	case "log":
		return awkNumber(math.Log(num(0)))
	case "sin":
		return awkNumber(math.Sin(num(0)))
	case "cos":
		return awkNumber(math.Cos(num(0)))
	case "atan2":
		in.argc(x, 2, 2)
		return awkNumber(math.Atan2(num(0), num(1)))
	case "rand":
		if in.rng == nil {
			in.rng = rand.New(rand.NewSource(0))
		}
		return awkNumber(in.rng.Float64())
	case "srand":
		seed := int64(0)
		if len(x.args) > 0 {
			seed = int64(num(0))
		}
		in.rng = rand.New(rand.NewSource(seed))
		return awkNumber(0)
	case "system":
		in.argc(x, 1, 1)
		code := in.c.Env.Run(in.c.Ctx, str(0), strings.NewReader(""), in.out, in.c.Stderr, in.c.Dir)
		return awkNumber(float64(code))
	}
	panic(awkRuntimeError{msg: "calling undefined function " + x.name})
}

func (in *awkInterp) fillArray(name string, parts []string) awkValue {
	arr := map[string]awkValue{}
	for i, p := range parts {
		arr[strconv.Itoa(i+1)] = awkStrNum(p)
	}
	in.arrays[name] = arr
	return awkNumber(float64(len(parts)))
}

// awkReplacement expands sub/gsub's replacement: & is the match, \& a
// literal ampersand.
func awkReplacement(repl, match string) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		switch {
		case repl[i] == '\\' && i+1 < len(repl) && (repl[i+1] == '&' || repl[i+1] == '\\'):
			i++
			b.WriteByte(repl[i])
		case repl[i] == '&':
			b.WriteString(match)
		default:
			b.WriteByte(repl[i])
		}
	}
	return b.String()
}

// awkSprintf formats as awk's printf: %d %i %o %x %X %u %c %s %e %f %g %%
// with flags, width and precision (also from *).
func awkSprintf(format string, args []awkValue, in *awkInterp) string {
	var b strings.Builder
	next := 0
	arg := func() (awkValue, bool) {
		if next >= len(args) {
			return awkValue{kind: 's'}, false
		}
		next++
		return args[next-1], true
	}
	for i := 0; i < len(format); i++ {
		ch := format[i]
		if ch != '%' {
			b.WriteByte(ch)
			continue
		}
		j := i + 1
		for j < len(format) && strings.IndexByte("-+ #0", format[j]) >= 0 {
			j++
		}
		spec := format[i:j]
		for j < len(format) && (isDigit(format[j]) || format[j] == '*' || format[j] == '.') {
			if format[j] == '*' {
				v, _ := arg()
				spec += strconv.Itoa(int(v.toNum()))
			} else {
				spec += string(format[j])
			}
			j++
		}
		if j >= len(format) {
			b.WriteString(format[i:])
			break
		}
		verb := format[j]
		i = j
		switch verb {
		case '%':
			b.WriteByte('%')
		case 'd', 'i':
			v, _ := arg()
			b.WriteString(fmt.Sprintf(spec+"d", int64(v.toNum())))
		case 'o', 'x', 'X':
			v, _ := arg()
			b.WriteString(fmt.Sprintf(spec+string(verb), int64(v.toNum())))
		case 'u':
			v, _ := arg()
			b.WriteString(fmt.Sprintf(spec+"d", uint64(v.toNum())))
		case 'e', 'E', 'f', 'F', 'g', 'G':
			v, _ := arg()
			b.WriteString(fmt.Sprintf(spec+string(verb), v.toNum()))
		case 'c':
			v, _ := arg()
			if v.kind == 'n' {
				b.WriteString(fmt.Sprintf(spec+"c", rune(int(v.n))))
			} else if s := v.s; s != "" {
				b.WriteString(fmt.Sprintf(spec+"s", string([]rune(s)[0])))
			}
		case 's':
			v, _ := arg()
			s := v.s
			if v.kind == 'n' && in != nil {
				s = in.numStr(v.n, "CONVFMT")
			}
			b.WriteString(fmt.Sprintf(spec+"s", s))
		default:
			b.WriteString(format[i-len(spec) : j+1])
		}
	}
	return b.String()
}
