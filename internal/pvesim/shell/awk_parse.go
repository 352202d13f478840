package shell

import (
	"fmt"
	"strings"
)

// The awk scripts use (POSIX awk as mawk, gawk and BusyBox run it): pattern
// { action } items with BEGIN and END, regex and expression patterns and
// ranges; fields, NR/NF/FNR/FS/OFS/ORS/FILENAME/RSTART/RLENGTH/SUBSEP,
// -F and -v; print and printf (with > and >> to files), if/else, while,
// do-while, for, for-in, break, continue, next, exit, delete; associative
// arrays; the arithmetic, comparison, match, logical, ternary, assignment
// and increment operators and concatenation; the string and number
// built-ins. This file parses (awk_lex.go tokenizes, awk_ast.go holds the
// tree); awk.go, awk_run.go and awk_eval.go run it.

type awkParser struct {
	lex  *awkLexer
	tok  awkTok
	peek *awkTok
	// noGT and noIn stop ">" (print redirection) and "in" (for-in) from
	// being read as operators where they mean something else.
	noGT, noIn bool
}

func parseAwk(src string) (prog *awkScript, err error) {
	p := &awkParser{lex: &awkLexer{src: src}}
	defer func() {
		if r := recover(); r != nil {
			if pe, ok := r.(awkSyntaxError); ok {
				prog, err = nil, pe
				return
			}
			panic(r)
		}
	}()
	p.advance()
	prog = &awkScript{}
	for {
		p.skipTerminators()
		if p.tok.kind == tEOF {
			return prog, nil
		}
		prog.items = append(prog.items, p.item())
	}
}

type awkSyntaxError struct{ msg string }

func (e awkSyntaxError) Error() string { return e.msg }

func (p *awkParser) failf(format string, args ...any) {
	panic(awkSyntaxError{msg: fmt.Sprintf(format, args...)})
}

func (p *awkParser) advance() {
	if p.peek != nil {
		p.tok, p.peek = *p.peek, nil
		return
	}
	tok, err := p.lex.next()
	if err != nil {
		p.failf("%v", err)
	}
	p.tok = tok
}

func (p *awkParser) is(text string) bool {
	return (p.tok.kind == tPunct || p.tok.kind == tKeyword) && p.tok.text == text
}

func (p *awkParser) expect(text string) {
	if !p.is(text) {
		p.failf("syntax error at source line 1: expected '%s' near '%s'", text, p.tok.text)
	}
	p.advance()
}

func (p *awkParser) skipNewlines() {
	for p.tok.kind == tNewline {
		p.advance()
	}
}

func (p *awkParser) skipTerminators() {
	for p.tok.kind == tNewline || p.is(";") {
		p.advance()
	}
}

func (p *awkParser) item() *awkItem {
	it := &awkItem{}
	switch {
	case p.is("BEGIN"):
		it.begin = true
		p.advance()
	case p.is("END"):
		it.end = true
		p.advance()
	case p.is("function"):
		p.failf("syntax error: user functions are not supported")
	case !p.is("{"):
		it.pattern = p.expr()
		if p.is(",") {
			p.advance()
			p.skipNewlines()
			it.pattern2 = p.expr()
		}
	}
	if p.is("{") {
		it.action = p.block()
		it.hasAction = true
	} else if it.begin || it.end {
		p.failf("syntax error: BEGIN and END need an action")
	}
	return it
}

func (p *awkParser) block() awkBlock {
	p.expect("{")
	var out awkBlock
	for {
		p.skipTerminators()
		if p.is("}") {
			p.advance()
			return out
		}
		if p.tok.kind == tEOF {
			p.failf("syntax error: unexpected end of program, missing '}'")
		}
		out = append(out, p.stmt())
	}
}

// simpleOrBlock reads the body of if/while/for: a block or one statement.
func (p *awkParser) body() awkStmt {
	p.skipNewlines()
	if p.is(";") {
		p.advance()
		return awkBlock{}
	}
	return p.stmt()
}

func (p *awkParser) endSimple() {
	switch {
	case p.is(";") || p.tok.kind == tNewline:
		p.advance()
	case p.is("}") || p.tok.kind == tEOF:
	default:
		p.failf("syntax error at source line 1: unexpected '%s'", p.tok.text)
	}
}

func (p *awkParser) stmt() awkStmt {
	switch {
	case p.is("{"):
		return p.block()
	case p.is("if"):
		p.advance()
		p.expect("(")
		cond := p.expr()
		p.expect(")")
		st := &awkIfStmt{cond: cond, then: p.body()}
		// "else" may follow after newlines or a semicolon.
		save := *p.lex
		saveTok := p.tok
		p.skipTerminators()
		if p.is("else") {
			p.advance()
			st.els_ = p.body()
		} else {
			*p.lex = save
			p.tok = saveTok
		}
		return st
	case p.is("while"):
		p.advance()
		p.expect("(")
		cond := p.expr()
		p.expect(")")
		if p.is(";") {
			p.advance()
			return &awkWhileStmt{cond: cond, body: awkBlock{}}
		}
		return &awkWhileStmt{cond: cond, body: p.body()}
	case p.is("do"):
		p.advance()
		body := p.body()
		p.skipTerminators()
		p.expect("while")
		p.expect("(")
		cond := p.expr()
		p.expect(")")
		p.endSimple()
		return &awkWhileStmt{cond: cond, body: body, do: true}
	case p.is("for"):
		return p.forStmt()
	case p.is(";"):
		p.advance()
		return awkBlock{}
	}
	st := p.simpleStmt()
	p.endSimple()
	return st
}

func (p *awkParser) forStmt() awkStmt {
	p.advance()
	p.expect("(")
	if p.tok.kind == tName {
		// for (k in arr)
		save, saveTok := *p.lex, p.tok
		name := p.tok.text
		p.advance()
		if p.is("in") {
			p.advance()
			if p.tok.kind != tName {
				p.failf("syntax error: for-in needs an array name")
			}
			arr := p.tok.text
			p.advance()
			if p.is(")") {
				p.advance()
				return &awkForInStmt{v: name, arr: arr, body: p.body()}
			}
		}
		*p.lex, p.tok, p.peek = save, saveTok, nil
	}
	st := &awkForStmt{}
	if !p.is(";") {
		st.init = p.simpleStmt()
	}
	p.expect(";")
	p.skipNewlines()
	if !p.is(";") {
		st.cond = p.expr()
	}
	p.expect(";")
	p.skipNewlines()
	if !p.is(")") {
		st.post = p.simpleStmt()
	}
	p.expect(")")
	if p.is(";") {
		p.advance()
		st.body = awkBlock{}
		return st
	}
	st.body = p.body()
	return st
}

func (p *awkParser) simpleStmt() awkStmt {
	switch {
	case p.is("print") || p.is("printf"):
		st := &awkPrintStmt{printf: p.tok.text == "printf"}
		p.advance()
		p.noGT = true
		if !p.is(";") && !p.is("}") && p.tok.kind != tNewline && !p.is(">") && !p.is(">>") && !p.is("|") && p.tok.kind != tEOF {
			st.args = p.exprList()
		}
		p.noGT = false
		if len(st.args) == 1 {
			if g, ok := st.args[0].(*awkGroup); ok {
				if list, ok := g.x.([]awkExpr); ok {
					st.args = list
				}
			}
		}
		if p.is(">") || p.is(">>") || p.is("|") {
			st.redir = p.tok.text
			p.advance()
			st.dest = p.concat()
		}
		if st.printf && len(st.args) == 0 {
			p.failf("syntax error: printf needs a format")
		}
		return st
	case p.is("next"):
		p.advance()
		return &awkNextStmt{}
	case p.is("exit"):
		p.advance()
		st := &awkExitStmt{}
		if !p.is(";") && !p.is("}") && p.tok.kind != tNewline && p.tok.kind != tEOF {
			st.code = p.expr()
		}
		return st
	case p.is("break"):
		p.advance()
		return &awkBreakStmt{}
	case p.is("continue"):
		p.advance()
		return &awkContStmt{}
	case p.is("delete"):
		p.advance()
		if p.tok.kind != tName {
			p.failf("syntax error: delete needs an array")
		}
		st := &awkDeleteStmt{name: p.tok.text}
		p.advance()
		if p.is("[") {
			p.advance()
			st.keys = p.exprList()
			p.expect("]")
		}
		return st
	}
	return &awkExprStmt{x: p.expr()}
}

func (p *awkParser) exprList() []awkExpr {
	list := []awkExpr{p.expr()}
	for p.is(",") {
		p.advance()
		p.skipNewlines()
		list = append(list, p.expr())
	}
	return list
}

// expr is the lowest level: assignment and the ternary.
func (p *awkParser) expr() awkExpr {
	left := p.ternary()
	if p.tok.kind == tPunct {
		switch op := p.tok.text; op {
		case "=", "+=", "-=", "*=", "/=", "%=", "^=":
			switch left.(type) {
			case *awkVar, *awkField, *awkIndex:
			default:
				return left
			}
			p.advance()
			p.skipNewlines()
			return &awkAssign{op: op, target: left, value: p.expr()}
		}
	}
	return left
}

func (p *awkParser) ternary() awkExpr {
	c := p.or()
	if p.is("?") {
		p.advance()
		p.skipNewlines()
		a := p.ternary()
		p.skipNewlines()
		p.expect(":")
		p.skipNewlines()
		b := p.ternary()
		return &awkCond{c: c, a: a, b: b}
	}
	return c
}

func (p *awkParser) or() awkExpr {
	l := p.and()
	for p.is("||") {
		p.advance()
		p.skipNewlines()
		l = &awkBinary{op: "||", l: l, r: p.and()}
	}
	return l
}

func (p *awkParser) and() awkExpr {
	l := p.in()
	for p.is("&&") {
		p.advance()
		p.skipNewlines()
		l = &awkBinary{op: "&&", l: l, r: p.in()}
	}
	return l
}

func (p *awkParser) in() awkExpr {
	l := p.match()
	for p.is("in") && !p.noIn {
		p.advance()
		if p.tok.kind != tName {
			p.failf("syntax error: 'in' needs an array name")
		}
		keys := []awkExpr{l}
		if g, ok := l.(*awkGroup); ok {
			if list, ok := g.x.([]awkExpr); ok {
				keys = list
			}
		}
		l = &awkIn{keys: keys, name: p.tok.text}
		p.advance()
	}
	return l
}

func (p *awkParser) match() awkExpr {
	l := p.compare()
	for p.is("~") || p.is("!~") {
		neg := p.tok.text == "!~"
		p.advance()
		l = &awkMatchE{negate: neg, l: l, re: p.compare()}
	}
	return l
}

func (p *awkParser) compare() awkExpr {
	l := p.concat()
	if p.tok.kind == tPunct {
		switch op := p.tok.text; op {
		case "<", "<=", "==", "!=", ">=":
			p.advance()
			return &awkBinary{op: op, l: l, r: p.concat()}
		case ">":
			if p.noGT {
				return l
			}
			p.advance()
			return &awkBinary{op: op, l: l, r: p.concat()}
		}
	}
	return l
}

// startsOperand tells whether the token can begin a concatenated operand.
func (p *awkParser) startsOperand() bool {
	switch p.tok.kind {
	case tNumber, tString, tRegex, tName, tFuncName:
		return true
	case tPunct:
		return p.tok.text == "$" || p.tok.text == "(" || p.tok.text == "!" || p.tok.text == "++" || p.tok.text == "--" || p.tok.text == "-"
	}
	return false
}

func (p *awkParser) concat() awkExpr {
	l := p.additive()
	for p.startsOperand() && !(p.is("-")) && !(p.is("!")) {
		l = &awkBinary{op: "concat", l: l, r: p.additive()}
	}
	return l
}

func (p *awkParser) additive() awkExpr {
	l := p.multiplicative()
	for p.is("+") || p.is("-") {
		op := p.tok.text
		p.advance()
		l = &awkBinary{op: op, l: l, r: p.multiplicative()}
	}
	return l
}

func (p *awkParser) multiplicative() awkExpr {
	l := p.unary()
	for p.is("*") || p.is("/") || p.is("%") {
		op := p.tok.text
		p.advance()
		l = &awkBinary{op: op, l: l, r: p.unary()}
	}
	return l
}

func (p *awkParser) unary() awkExpr {
	switch {
	case p.is("!"):
		p.advance()
		return &awkUnary{op: "!", x: p.unary()}
	case p.is("-"):
		p.advance()
		return &awkUnary{op: "-", x: p.unary()}
	case p.is("+"):
		p.advance()
		return &awkUnary{op: "+", x: p.unary()}
	}
	return p.power()
}

func (p *awkParser) power() awkExpr {
	base := p.postfix()
	if p.is("^") {
		p.advance()
		return &awkBinary{op: "^", l: base, r: p.unaryPow()}
	}
	return base
}

// unaryPow is the right side of ^ (right associative, may be negated).
func (p *awkParser) unaryPow() awkExpr {
	if p.is("-") {
		p.advance()
		return &awkUnary{op: "-", x: p.unaryPow()}
	}
	return p.power()
}

func (p *awkParser) postfix() awkExpr {
	if p.is("++") || p.is("--") {
		delta := 1.0
		if p.tok.text == "--" {
			delta = -1
		}
		p.advance()
		return &awkIncDec{target: p.postfix(), delta: delta, prefix: true}
	}
	x := p.primary()
	switch x.(type) {
	case *awkVar, *awkField, *awkIndex:
		if p.is("++") || p.is("--") {
			delta := 1.0
			if p.tok.text == "--" {
				delta = -1
			}
			p.advance()
			return &awkIncDec{target: x, delta: delta}
		}
	}
	return x
}

func (p *awkParser) primary() awkExpr {
	tok := p.tok
	switch tok.kind {
	case tNumber:
		p.advance()
		return &awkNum{v: tok.num}
	case tString:
		p.advance()
		return &awkStr{v: tok.text}
	case tRegex:
		p.advance()
		re, err := posixRegexp(tok.text, true, false)
		if err != nil {
			p.failf("syntax error in regular expression %s: %v", tok.text, err)
		}
		return &awkRegexE{re: re}
	case tFuncName:
		p.advance()
		call := &awkCall{name: tok.text}
		if !p.is("(") {
			if tok.text == "length" {
				return call
			}
			p.failf("syntax error: %s needs arguments", tok.text)
		}
		p.advance()
		if !p.is(")") {
			saveGT, saveIn := p.noGT, p.noIn
			p.noGT, p.noIn = false, false
			call.args = p.exprList()
			p.noGT, p.noIn = saveGT, saveIn
		}
		p.expect(")")
		return call
	case tName:
		p.advance()
		if p.is("[") {
			p.advance()
			keys := p.exprList()
			p.expect("]")
			return &awkIndex{name: tok.text, keys: keys}
		}
		return &awkVar{name: tok.text}
	case tPunct:
		switch tok.text {
		case "$":
			p.advance()
			return &awkField{idx: p.fieldIndex()}
		case "(":
			p.advance()
			saveGT, saveIn := p.noGT, p.noIn
			p.noGT, p.noIn = false, false
			list := p.exprList()
			p.noGT, p.noIn = saveGT, saveIn
			p.expect(")")
			if len(list) == 1 {
				return &awkGroup{x: list[0]}
			}
			return &awkGroup{x: list}
		case "-", "+", "!":
			return p.unary()
		}
	case tKeyword:
		if tok.text == "getline" {
			p.failf("syntax error: getline is not supported")
		}
	}
	p.failf("syntax error at source line 1: unexpected '%s'", strings.TrimSpace(tok.text))
	return nil
}

// fieldIndex reads what follows $: a primary, with ++/-- and a leading minus.
func (p *awkParser) fieldIndex() awkExpr {
	if p.is("++") || p.is("--") || p.is("-") {
		return p.unary()
	}
	return p.primary()
}
