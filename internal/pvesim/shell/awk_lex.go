package shell

import (
	"fmt"
	"strconv"
	"strings"
)

// awkTokKind is the kind of an awk token.
type awkTokKind int

const (
	tEOF awkTokKind = iota
	tNewline
	tNumber
	tString
	tRegex
	tName
	tFuncName // a builtin function name
	tKeyword
	tPunct
)

type awkTok struct {
	kind awkTokKind
	text string
	num  float64
}

var awkKeywords = map[string]bool{
	"BEGIN": true, "END": true, "if": true, "else": true, "while": true, "for": true, "do": true, "in": true,
	"break": true, "continue": true, "next": true, "exit": true, "print": true, "printf": true, "delete": true,
	"getline": true, "function": true, "return": true,
}

var awkBuiltins = map[string]bool{
	"length": true, "substr": true, "index": true, "split": true, "sub": true, "gsub": true, "match": true,
	"sprintf": true, "tolower": true, "toupper": true, "int": true, "sqrt": true, "exp": true, "log": true,
	"sin": true, "cos": true, "atan2": true, "rand": true, "srand": true, "system": true,
}

// awkLexer produces tokens; whether "/" starts a regex depends on the token
// before it, as in every awk.
type awkLexer struct {
	src  string
	pos  int
	prev awkTok
}

func (l *awkLexer) regexAllowed() bool {
	switch l.prev.kind {
	case tNumber, tString, tName, tRegex:
		return false
	case tKeyword:
		return l.prev.text != "getline"
	case tPunct:
		switch l.prev.text {
		case ")", "]", "++", "--":
			return false
		}
	}
	return true
}

func (l *awkLexer) next() (awkTok, error) {
	tok, err := l.scan()
	if err == nil {
		l.prev = tok
	}
	return tok, err
}

func (l *awkLexer) scan() (awkTok, error) {
	for l.pos < len(l.src) {
		ch := l.src[l.pos]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\r':
			l.pos++
		case ch == '\\' && l.pos+1 < len(l.src) && l.src[l.pos+1] == '\n':
			l.pos += 2
		case ch == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' {
				l.pos++
			}
		default:
			goto token
		}
	}
	return awkTok{kind: tEOF}, nil
token:
	ch := l.src[l.pos]
	switch {
	case ch == '\n':
		l.pos++
		return awkTok{kind: tNewline, text: "\n"}, nil
	case ch >= '0' && ch <= '9' || ch == '.' && l.pos+1 < len(l.src) && l.src[l.pos+1] >= '0' && l.src[l.pos+1] <= '9':
		start := l.pos
		for l.pos < len(l.src) && (isDigit(l.src[l.pos]) || l.src[l.pos] == '.') {
			l.pos++
		}
		if l.pos < len(l.src) && (l.src[l.pos] == 'e' || l.src[l.pos] == 'E') {
			save := l.pos
			l.pos++
			if l.pos < len(l.src) && (l.src[l.pos] == '+' || l.src[l.pos] == '-') {
				l.pos++
			}
			if l.pos < len(l.src) && isDigit(l.src[l.pos]) {
				for l.pos < len(l.src) && isDigit(l.src[l.pos]) {
					l.pos++
				}
			} else {
				l.pos = save
			}
		}
		n, _ := strconv.ParseFloat(l.src[start:l.pos], 64)
		return awkTok{kind: tNumber, text: l.src[start:l.pos], num: n}, nil
	case ch == '"':
		l.pos++
		var b strings.Builder
		for l.pos < len(l.src) && l.src[l.pos] != '"' {
			c := l.src[l.pos]
			if c == '\n' {
				return awkTok{}, fmt.Errorf("runaway string constant \"%s ...", b.String())
			}
			if c == '\\' && l.pos+1 < len(l.src) {
				l.pos++
				b.WriteString(awkEscape(l.src[l.pos]))
				l.pos++
				continue
			}
			b.WriteByte(c)
			l.pos++
		}
		if l.pos >= len(l.src) {
			return awkTok{}, fmt.Errorf("runaway string constant \"%s ...", b.String())
		}
		l.pos++
		return awkTok{kind: tString, text: b.String()}, nil
	case ch == '/' && l.regexAllowed():
		l.pos++
		var b strings.Builder
		inBracket := false
		for l.pos < len(l.src) && (l.src[l.pos] != '/' || inBracket) {
			c := l.src[l.pos]
			if c == '\n' {
				return awkTok{}, fmt.Errorf("unterminated regexp")
			}
			if c == '\\' && l.pos+1 < len(l.src) {
				if l.src[l.pos+1] == '/' {
					b.WriteByte('/')
				} else {
					b.WriteString(l.src[l.pos : l.pos+2])
				}
				l.pos += 2
				continue
			}
			switch c {
			case '[':
				inBracket = true
			case ']':
				inBracket = false
			}
			b.WriteByte(c)
			l.pos++
		}
		if l.pos >= len(l.src) {
			return awkTok{}, fmt.Errorf("unterminated regexp")
		}
		l.pos++
		return awkTok{kind: tRegex, text: b.String()}, nil
	case isAlpha(ch):
		start := l.pos
		for l.pos < len(l.src) && (isAlpha(l.src[l.pos]) || isDigit(l.src[l.pos])) {
			l.pos++
		}
		word := l.src[start:l.pos]
		switch {
		case awkKeywords[word]:
			return awkTok{kind: tKeyword, text: word}, nil
		case awkBuiltins[word]:
			return awkTok{kind: tFuncName, text: word}, nil
		}
		return awkTok{kind: tName, text: word}, nil
	}
	for _, op := range []string{"&&", "||", "==", "!=", "<=", ">=", "++", "--", "+=", "-=", "*=", "/=", "%=", "^=", "!~", ">>", "**"} {
		if strings.HasPrefix(l.src[l.pos:], op) {
			l.pos += len(op)
			if op == "**" {
				op = "^"
			}
			return awkTok{kind: tPunct, text: op}, nil
		}
	}
	if strings.IndexByte("{}()[];,+-*/%^!<>|?:~$=", ch) >= 0 {
		l.pos++
		return awkTok{kind: tPunct, text: string(ch)}, nil
	}
	return awkTok{}, fmt.Errorf("syntax error at source line 1: unexpected character '%c'", ch)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func awkEscape(c byte) string {
	switch c {
	case 'n':
		return "\n"
	case 't':
		return "\t"
	case 'r':
		return "\r"
	case '\\':
		return "\\"
	case '"':
		return "\""
	case '/':
		return "/"
	case 'a':
		return "\a"
	case 'b':
		return "\b"
	case 'f':
		return "\f"
	case 'v':
		return "\v"
	}
	return "\\" + string(c)
}
