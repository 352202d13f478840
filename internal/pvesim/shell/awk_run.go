package shell

import (
	"fmt"
	"io"
	"sort"
	"strings"
)

// Running an awk program: records, statements, fields and variables.

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
				data, _ = readAll(in.c, in.c.Stdin)
			case i == len(files):
				continue
			case strings.HasPrefix(files[i], "\x00"):
				k, v, _ := strings.Cut(files[i][1:], "=")
				in.setVar(k, awkStrNum(unescapeAwk(v)))
				continue
			case files[i] == "-":
				data, _ = readAll(in.c, in.c.Stdin)
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
