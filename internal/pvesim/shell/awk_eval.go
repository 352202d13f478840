package shell

import (
	"fmt"
	"math"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
)

// Evaluating awk expressions and the built-in functions.

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
	arg := func() awkValue {
		if next >= len(args) {
			return awkValue{kind: 's'}
		}
		next++
		return args[next-1]
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
				v := arg()
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
			v := arg()
			fmt.Fprintf(&b, spec+"d", int64(v.toNum()))
		case 'o', 'x', 'X':
			v := arg()
			fmt.Fprintf(&b, spec+string(verb), int64(v.toNum()))
		case 'u':
			v := arg()
			fmt.Fprintf(&b, spec+"d", uint64(v.toNum()))
		case 'e', 'E', 'f', 'F', 'g', 'G':
			v := arg()
			fmt.Fprintf(&b, spec+string(verb), v.toNum())
		case 'c':
			v := arg()
			if v.kind == 'n' {
				fmt.Fprintf(&b, spec+"c", rune(int(v.n)))
			} else if s := v.s; s != "" {
				fmt.Fprintf(&b, spec+"s", string([]rune(s)[0]))
			}
		case 's':
			v := arg()
			s := v.s
			if v.kind == 'n' && in != nil {
				s = in.numStr(v.n, "CONVFMT")
			}
			fmt.Fprintf(&b, spec+"s", s)
		default:
			b.WriteString(format[i-len(spec) : j+1])
		}
	}
	return b.String()
}
