package pvesim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// proxyKeyword parses one line of a defaults, frontend, backend or listen
// section (cfg_parse_listen and the keyword parsers it calls).
func (ps *haproxyParse) proxyKeyword(n int, args []string) {
	p := ps.cur
	kw, a1 := args[0], haproxyArg(args, 1)
	if (kw == "no" || kw == "default") && a1 == "option" {
		ps.option(n, args[2:], false)
		return
	}
	switch kw {
	case "mode":
		if a1 != "http" && a1 != "tcp" && a1 != "health" && (a1 != "log" || !p.backend()) {
			ps.alertf(n, "unknown proxy mode '%s'.", a1)
			return
		}
		p.Mode = a1
	case "bind":
		ps.bind(n, args)
	case "default_backend", "use_backend":
		ps.backendRef(n, args)
	case "server":
		if len(args) < 3 {
			// parse_server reports under the server's context (file:line).
			ps.alert(fmt.Sprintf("[%s:%d] : 'server' expects <name> and <addr>[:<port>] as arguments.", ps.cfg.File, n))
			return
		}
		p.Servers = append(p.Servers, haproxyServer{Name: args[1], Addr: args[2]})
	case "timeout":
		ps.timeout(n, args[1:])
	case "monitor-uri":
		if a1 == "" {
			ps.alertf(n, "'%s' expects an URI.", kw)
			return
		}
		p.MonitorURI = a1
	case "option":
		ps.option(n, args[1:], true)
	case "http-request", "http-response":
		ps.headerRule(n, args)
	default:
		if !haproxyProxyKeywords[kw] {
			ps.unknownKeyword(n, kw, ps.section, haproxyProxyKeywordList)
		}
	}
}

// bind is cfg_parse_listen's "bind": one [addr]:port; the options after it
// (ssl, crt, ...) are accepted as haproxy's bind keywords.
func (ps *haproxyParse) bind(n int, args []string) {
	p := ps.cur
	if p.Kind == "defaults" {
		ps.alertf(n, "'%s' not allowed in 'defaults' section.", args[0])
		return
	}
	if !p.frontend() {
		ps.warnf(n, "'%s' ignored because %s '%s' has no frontend capability.", args[0], p.Kind, p.Name)
		return
	}
	if len(args) < 2 {
		ps.alertf(n, "'%s' expects {<path>|[addr1]:port1[-end1]}{,[addr]:port[-end]}... as arguments.", args[0])
		return
	}
	i := strings.LastIndex(args[1], ":")
	if i < 0 {
		// str2sa_range (tools.c) via str2listener.
		ps.alertf(n, "'%s' : missing port specification in '%s'", args[0], args[1])
		return
	}
	port, err := strconv.Atoi(args[1][i+1:])
	if err != nil || port < 1 || port > 65535 {
		ps.alertf(n, "'%s' : invalid port '%s'", args[0], args[1][i+1:])
		return
	}
	host := strings.Trim(args[1][:i], "[]")
	p.Binds = append(p.Binds, haproxyBind{Addr: host, Port: port, Line: n})
}

// backendRef is default_backend and use_backend (with an optional if or
// unless condition, which the simulator does not evaluate).
func (ps *haproxyParse) backendRef(n int, args []string) {
	p := ps.cur
	if args[0] == "use_backend" && p.Kind == "defaults" {
		ps.alertf(n, "'%s' not allowed in 'defaults' section.", args[0])
		return
	}
	if !p.frontend() && p.Kind != "defaults" {
		ps.warnf(n, "'%s' ignored because %s '%s' has no frontend capability.", args[0], p.Kind, p.Name)
		return
	}
	if len(args) < 2 {
		ps.alertf(n, "'%s' expects a backend name.", args[0])
		return
	}
	if args[0] == "default_backend" {
		if len(args) > 2 {
			ps.alertf(n, "'%s' cannot handle unexpected argument '%s'.", args[0], args[2])
			return
		}
		p.DefaultBackend = args[1]
		return
	}
	p.UseBackends = append(p.UseBackends, args[1])
	if len(args) == 2 && p.UseAlways == "" {
		p.UseAlways = args[1]
	}
}

// timeout is proxy_parse_timeout (proxy.c); args start after "timeout".
func (ps *haproxyParse) timeout(n int, args []string) {
	p := ps.cur
	name, value := haproxyArg(args, 0), haproxyArg(args, 1)
	need, ok := haproxyTimeoutCaps[name]
	if !ok {
		ps.alertf(n, "'timeout' supports 'client', 'server', 'connect', 'check', "+
			"'queue', 'handshake', 'http-keep-alive', 'http-request', 'tunnel', 'tarpit', "+
			"'client-fin' and 'server-fin' (got '%s')", name)
		return
	}
	if value == "" {
		ps.alertf(n, "'timeout %s' expects an integer value (in milliseconds)", name)
		return
	}
	if bad := haproxyTimeError(value); bad != 0 {
		ps.alertf(n, "unexpected character '%c' in 'timeout %s'", bad, name)
		return
	}
	if len(args) > 2 {
		ps.alertf(n, "'timeout %s' : unexpected extra argument '%s' after value '%s'.", name, args[2], value)
		return
	}
	if p.Kind != "defaults" && (need == "frontend" && !p.frontend() || need == "backend" && !p.backend()) {
		ps.warnf(n, "'timeout %s' will be ignored because %s '%s' has no %s capability", name, p.Kind, p.Name, need)
		return
	}
	p.Timeouts[name] = haproxyDuration(value)
}

// haproxyTimeError is parse_time_err's verdict: the first character that
// is neither a digit nor part of a unit (us, ms, s, m, h, d), or 0.
func haproxyTimeError(v string) byte {
	i := 0
	for i < len(v) && v[i] >= '0' && v[i] <= '9' {
		i++
	}
	if i == 0 {
		return v[0]
	}
	switch v[i:] {
	case "", "us", "ms", "s", "m", "h", "d":
		return 0
	}
	return v[i]
}

// haproxyDuration is a valid timeout value: milliseconds unless a unit
// says otherwise.
func haproxyDuration(v string) time.Duration {
	i := strings.IndexFunc(v, func(r rune) bool { return r < '0' || r > '9' })
	if i < 0 {
		i = len(v)
	}
	n, _ := strconv.Atoi(v[:i])
	unit := map[string]time.Duration{"": time.Millisecond, "us": time.Microsecond, "ms": time.Millisecond, "s": time.Second,
		"m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}[v[i:]]
	return time.Duration(n) * unit
}

// option is cfg_parse_listen's "option" (and "no option", on false);
// args start after "option".
func (ps *haproxyParse) option(n int, args []string, on bool) {
	name := haproxyArg(args, 0)
	if haproxyOptions[name] {
		ps.cur.Options[name] = on
		return
	}
	if best := haproxyBestMatch(name, haproxyOptionList); best != "" {
		ps.alertf(n, "unknown option '%s'; did you mean '%s' maybe ?", name, best)
		return
	}
	ps.alertf(n, "unknown option '%s'.", name)
}

// headerRule parses http-request and http-response header actions
// (http_act.c parse_http_set_header, parse_http_del_header,
// parse_http_replace_header) and accepts haproxy's other actions.
func (ps *haproxyParse) headerRule(n int, args []string) {
	p, dir, action := ps.cur, args[0], haproxyArg(args, 1)
	rest := args[min(2, len(args)):]
	if i := indexCond(rest); i >= 0 {
		rest = rest[:i] // conditions are accepted, not evaluated
	}
	rule := haproxyHeaderRule{Action: action}
	var err string
	switch action {
	case "set-header", "add-header":
		if len(rest) < 2 {
			err = "expects exactly 2 arguments"
		} else {
			rule.Name, rule.Value = rest[0], rest[1]
		}
	case "del-header":
		if len(rest) < 1 {
			err = "expects at least 1 argument"
		} else {
			rule.Name = rest[0]
		}
	case "replace-header", "replace-value":
		if len(rest) < 3 {
			err = "expects exactly 3 arguments"
		} else {
			rule.Name, rule.Value = rest[0], rest[2]
			re, rerr := regexp.Compile(rest[1])
			if rerr != nil {
				// regex_comp (regex.c) with PCRE2: Go's parser names the fault.
				err = fmt.Sprintf("regex '%s' is invalid (error=%s, erroffset=%d)", rest[1], regexErrorCode(rerr), 0)
			}
			rule.Re = re
		}
	default:
		if !haproxyHTTPActions[action] {
			ps.alert(fmt.Sprintf("parsing [%s:%d]: '%s' expects %s, but got '%s'%s.",
				ps.cfg.File, n, dir, haproxyHTTPActionList(), action, missingArg(action)))
		}
		return
	}
	if err != "" {
		ps.alertf(n, "error detected in %s '%s' while parsing '%s %s' rule : %s.", p.Kind, p.Name, dir, action, err)
		return
	}
	if dir == "http-request" {
		p.ReqRules = append(p.ReqRules, rule)
	} else {
		p.RespRules = append(p.RespRules, rule)
	}
}

func indexCond(args []string) int {
	for i, a := range args {
		if a == "if" || a == "unless" {
			return i
		}
	}
	return -1
}

func missingArg(a string) string {
	if a == "" {
		return " (missing argument)"
	}
	return ""
}

// regexErrorCode is the fault Go's regexp parser names ("missing closing
// )"), standing for PCRE2's error text.
func regexErrorCode(err error) string {
	msg := strings.TrimPrefix(err.Error(), "error parsing regexp: ")
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

// haproxyWords splits a line as parse_line (tools.c) does: words separated
// by blanks, '#' starting a comment outside quotes, "..." and '...'
// quoting, and backslash escapes outside single quotes. quoteAt is the
// position of a quote left open, or -1.
func haproxyWords(line string) (words []string, quoteAt int) {
	var out []string
	var cur strings.Builder
	inWord := false
	quote, quoteAt := byte(0), -1
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote == '\'':
			cur.WriteByte(c)
		case c == '\\' && i+1 < len(line):
			n, skip := haproxyEscape(line[i+1:], quote == '"')
			cur.WriteString(n)
			i += skip
			inWord = true
		case quote == 0 && (c == '"' || c == '\''):
			quote, inWord, quoteAt = c, true, i
		case quote == 0 && c == '#':
			i = len(line)
		case quote == 0 && (c == ' ' || c == '\t' || c == '\r'):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, quoteAt
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, -1
}

// haproxyEscape is parse_line's backslash: \\, \<space>, \#, \', \", \t,
// \n, \r, \xHH and (in double quotes) \$ stand for a character; any other
// pair is left as written, so a regex's \s or a replacement's \1 reach
// their parser unchanged. skip is how many bytes after the backslash it used.
func haproxyEscape(next string, dquote bool) (string, int) {
	switch c := next[0]; c {
	case ' ', '\\', '#', '\'', '"':
		return string(c), 1
	case 't':
		return "\t", 1
	case 'n':
		return "\n", 1
	case 'r':
		return "\r", 1
	case '$':
		if dquote {
			return "$", 1
		}
	case 'x':
		if v, err := strconv.ParseUint(next[1:min(3, len(next))], 16, 8); err == nil && len(next) >= 3 {
			return string([]byte{byte(v)}), 3
		}
	}
	return "\\", 0
}
