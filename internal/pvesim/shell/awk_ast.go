package shell

import (
	"regexp"
)

// The syntax tree of an awk program, made by awk_parse.go.

type awkExpr interface{}

type (
	awkNum    struct{ v float64 }
	awkStr    struct{ v string }
	awkRegexE struct{ re *regexp.Regexp } // a bare /re/ matches $0
	awkVar    struct{ name string }
	awkField  struct{ idx awkExpr }
	awkIndex  struct {
		name string
		keys []awkExpr
	}
	awkAssign struct {
		op     string // "=", "+=", ...
		target awkExpr
		value  awkExpr
	}
	awkIncDec struct {
		target awkExpr
		delta  float64
		prefix bool
	}
	awkBinary struct {
		op   string
		l, r awkExpr
	}
	awkUnary struct {
		op string
		x  awkExpr
	}
	awkCond   struct{ c, a, b awkExpr }
	awkMatchE struct {
		negate bool
		l, re  awkExpr
	}
	awkIn struct {
		keys []awkExpr
		name string
	}
	awkCall struct {
		name string
		args []awkExpr
	}
	awkGroup struct{ x awkExpr } // (expr), kept for (a, b) in arr
)

type awkStmt interface{}

type (
	awkExprStmt  struct{ x awkExpr }
	awkPrintStmt struct {
		printf bool
		args   []awkExpr
		redir  string // "", ">", ">>", "|"
		dest   awkExpr
	}
	awkIfStmt struct {
		cond       awkExpr
		then, els_ awkStmt
	}
	awkWhileStmt struct {
		cond awkExpr
		body awkStmt
		do   bool
	}
	awkForStmt struct {
		init, post awkStmt
		cond       awkExpr
		body       awkStmt
	}
	awkForInStmt struct {
		v, arr string
		body   awkStmt
	}
	awkBlock      []awkStmt
	awkNextStmt   struct{}
	awkExitStmt   struct{ code awkExpr }
	awkBreakStmt  struct{}
	awkContStmt   struct{}
	awkDeleteStmt struct {
		name string
		keys []awkExpr
	}
)

type awkItem struct {
	begin, end bool
	pattern    awkExpr
	pattern2   awkExpr // range end
	action     awkBlock
	hasAction  bool
	inRange    bool
}

type awkScript struct {
	items []*awkItem
}
