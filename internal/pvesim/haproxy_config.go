package pvesim

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// HAProxy's configuration as the gateway uses it, parsed as haproxy 3.0 and
// 3.2 parse it (src/cfgparse.c readcfgfile, src/cfgparse-listen.c
// cfg_parse_listen, src/cfgparse-global.c cfg_parse_global). The keywords
// a reverse proxy needs are modelled (bind, mode, default_backend,
// use_backend, server, http-request/http-response header rules, timeouts);
// the other keywords haproxy knows are accepted without checking their
// arguments, and a word haproxy does not know is refused with its alert.

// haproxyConfig is one parsed file: its proxies in file order.
type haproxyConfig struct {
	File    string
	Proxies []*haproxyProxy
}

// haproxyProxy is a frontend, backend, listen or defaults section.
type haproxyProxy struct {
	Kind, Name     string
	Line           int
	Mode           string
	Binds          []haproxyBind
	DefaultBackend string
	UseBackends    []string
	// UseAlways is the first use_backend without a condition: every
	// request the rules before it (conditional, not evaluated) leave goes
	// there, before default_backend.
	UseAlways  string
	Servers    []haproxyServer
	ReqRules   []haproxyHeaderRule
	RespRules  []haproxyHeaderRule
	Timeouts   map[string]time.Duration
	MonitorURI string // answered by haproxy itself (http_ana.c)
	Options    map[string]bool
}

type haproxyBind struct {
	Addr string // "" or "*" for every address
	Port int
	Line int
}

type haproxyServer struct {
	Name, Addr string // Addr is host:port
}

// haproxyHeaderRule is one http-request or http-response header action.
type haproxyHeaderRule struct {
	Action string // set-header, add-header, del-header, replace-header
	Name   string
	Value  string // set/add: the value; replace: the replacement
	Re     *regexp.Regexp
}

func (p *haproxyProxy) frontend() bool { return p.Kind == "frontend" || p.Kind == "listen" }
func (p *haproxyProxy) backend() bool  { return p.Kind == "backend" || p.Kind == "listen" }

// haproxyParse reads a configuration into its proxies and the messages
// haproxy prints on the way, in order.
type haproxyParse struct {
	cfg     *haproxyConfig
	msgs    []haproxyMsg
	alerted bool   // a fatal alert (ERR_FATAL)
	aborted bool   // an alert that stops the read (ERR_ABORT)
	section string // the current section keyword
	cur     *haproxyProxy
	def     *haproxyProxy
}

// haproxyMsg is one [ALERT] or [WARNING] line's text after "config : ".
type haproxyMsg struct {
	Alert bool
	Text  string
}

func (ps *haproxyParse) alert(text string) {
	ps.msgs = append(ps.msgs, haproxyMsg{Alert: true, Text: text})
	ps.alerted = true
}

// noteAlert is an alert that is not an error: haproxy prints it and
// goes on.
func (ps *haproxyParse) noteAlert(line int, text string) {
	ps.msgs = append(ps.msgs, haproxyMsg{Alert: true, Text: fmt.Sprintf("parsing [%s:%d] : %s", ps.cfg.File, line, text)})
}

func (ps *haproxyParse) alertf(line int, format string, args ...any) {
	ps.alert(fmt.Sprintf("parsing [%s:%d] : ", ps.cfg.File, line) + fmt.Sprintf(format, args...))
}

func (ps *haproxyParse) warnf(line int, format string, args ...any) {
	ps.msgs = append(ps.msgs, haproxyMsg{Text: fmt.Sprintf("parsing [%s:%d] : ", ps.cfg.File, line) + fmt.Sprintf(format, args...)})
}

// parseHAProxyConfig parses text as haproxy does before it starts (or
// with -c): ok is false when it would exit 1, after msgs. A file with a
// parse error stops before the cross-checks (haproxy.c: "Error(s) found
// in configuration file", then "Fatal errors found in configuration.");
// the cross-checks of check_config_validity (a default_backend that names
// no backend) come after a clean parse.
func parseHAProxyConfig(file, text string) (cfg *haproxyConfig, msgs []haproxyMsg, ok bool) {
	ps := &haproxyParse{cfg: &haproxyConfig{File: file}}
	for i, raw := range strings.Split(text, "\n") {
		args, quoteAt := haproxyWords(raw)
		if quoteAt >= 0 {
			// readcfgfile's PARSE_ERR_QUOTE report.
			ps.alert(fmt.Sprintf("parsing [%s:%d]: unmatched quote at position %d:\n  %s\n  %*s",
				file, i+1, quoteAt+1, raw, quoteAt+1, "^"))
			continue
		}
		if len(args) == 0 {
			continue
		}
		ps.line(i+1, args)
		if ps.aborted {
			// haproxy.c: an ERR_ABORT ends the read and the process.
			ps.alert("Error(s) found in configuration file : " + file)
			return ps.cfg, ps.msgs, false
		}
	}
	if ps.alerted {
		ps.alert("Error(s) found in configuration file : " + file)
		ps.alert("Fatal errors found in configuration.")
		return ps.cfg, ps.msgs, false
	}
	ps.checkValidity()
	if ps.alerted {
		ps.alert("Fatal errors found in configuration.")
		return ps.cfg, ps.msgs, false
	}
	return ps.cfg, ps.msgs, true
}

// haproxySections are the section keywords; those beyond global and the
// proxies are accepted and their bodies not modelled.
var haproxySections = toSet("global defaults frontend backend listen peers resolvers userlist mailers program " +
	"http-errors ring log-forward cache crt-store traces")

func (ps *haproxyParse) line(n int, args []string) {
	if haproxySections[args[0]] {
		ps.openSection(n, args)
		return
	}
	switch ps.section {
	case "":
		// readcfgfile: a keyword before any section.
		ps.alert(fmt.Sprintf("parsing [%s:%d]: unknown keyword '%s' out of section.", ps.cfg.File, n, args[0]))
	case "global":
		ps.globalKeyword(n, args)
	case "defaults", "frontend", "backend", "listen":
		if ps.cur == nil {
			// cfg_parse_listen: the section line created no proxy.
			ps.alertf(n, "'listen' or 'defaults' expected.")
			return
		}
		ps.proxyKeyword(n, args)
	}
}

// openSection starts a section (cfg_parse_listen's head for the proxies).
func (ps *haproxyParse) openSection(n int, args []string) {
	ps.section, ps.cur = args[0], nil
	switch args[0] {
	case "defaults":
		ps.def = &haproxyProxy{Kind: "defaults", Line: n, Timeouts: map[string]time.Duration{}, Options: map[string]bool{}}
		if len(args) > 1 {
			ps.def.Name = args[1]
		}
		ps.cur = ps.def
		return
	case "frontend", "backend", "listen":
	default:
		return
	}
	if len(args) < 2 {
		ps.alertf(n, "'%s' expects an <id> argument", args[0])
		ps.aborted = true
		return
	}
	if len(args) > 2 && (len(args) != 4 || args[2] != "from") {
		// cfg_parse_listen: addresses on the section line are gone since
		// 1.x's "listen name addr:port". The alert itself is no error, but
		// haproxy creates no proxy, so each line of the section is one.
		if args[0] != "backend" {
			ps.noteAlert(n, "please use the 'bind' keyword for listening addresses.")
		}
		return
	}
	for _, other := range ps.cfg.Proxies {
		if other.Name == args[1] && (other.frontend() && args[0] != "backend" || other.backend() && args[0] != "frontend") {
			ps.alert(fmt.Sprintf("Parsing [%s:%d]: %s '%s' has the same name as %s '%s' declared at %s:%d.",
				ps.cfg.File, n, args[0], args[1], other.Kind, other.Name, ps.cfg.File, other.Line))
		}
	}
	p := &haproxyProxy{Kind: args[0], Name: args[1], Line: n, Timeouts: map[string]time.Duration{}, Options: map[string]bool{}}
	if ps.def != nil { // a proxy inherits the last defaults section
		p.Mode = ps.def.Mode
		p.DefaultBackend = ps.def.DefaultBackend
		for k, v := range ps.def.Timeouts {
			p.Timeouts[k] = v
		}
		for k, v := range ps.def.Options {
			p.Options[k] = v
		}
		p.ReqRules = append(p.ReqRules, ps.def.ReqRules...)
		p.RespRules = append(p.RespRules, ps.def.RespRules...)
	}
	ps.cfg.Proxies = append(ps.cfg.Proxies, p)
	ps.cur = p
}

// globalKeyword checks a global keyword: the gateway's few are modelled
// (stats, maxconn, daemon ...); any other haproxy global keyword passes.
func (ps *haproxyParse) globalKeyword(n int, args []string) {
	if haproxyGlobalKeywords[args[0]] {
		if args[0] == "maxconn" || args[0] == "nbthread" {
			if _, err := strconv.Atoi(haproxyArg(args, 1)); err != nil {
				ps.alertf(n, "'%s' expects an integer argument.", args[0])
			}
		}
		return
	}
	ps.unknownKeyword(n, args[0], "global", haproxyGlobalKeywordList)
}

// unknownKeyword is the alert for a word haproxy does not know, with its
// "did you mean" from cfg_find_best_match when one is close enough.
func (ps *haproxyParse) unknownKeyword(n int, word, section string, known []string) {
	if best := haproxyBestMatch(word, known); best != "" {
		ps.alertf(n, "unknown keyword '%s' in '%s' section; did you mean '%s' maybe ?", word, section, best)
		return
	}
	ps.alertf(n, "unknown keyword '%s' in '%s' section", word, section)
}

func haproxyArg(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

// checkValidity is check_config_validity's part the subset needs: every
// default_backend and literal use_backend names a backend.
func (ps *haproxyParse) checkValidity() {
	backends := map[string]bool{}
	for _, p := range ps.cfg.Proxies {
		if p.backend() {
			backends[p.Name] = true
		}
	}
	for _, p := range ps.cfg.Proxies {
		ps.missingTimeouts(p)
		if !p.frontend() {
			continue
		}
		if p.DefaultBackend != "" && !backends[p.DefaultBackend] {
			ps.alert(fmt.Sprintf("Proxy '%s': unable to find required default_backend: '%s'.", p.Name, p.DefaultBackend))
		}
		for _, b := range p.UseBackends {
			if !strings.Contains(b, "%") && !backends[b] {
				ps.alert(fmt.Sprintf("Proxy '%s': unable to find required use_backend: '%s'.", p.Name, b))
			}
		}
	}
}

// missingTimeouts is check_config_validity's warning (cfgparse.c) for a
// proxy that may wait forever: a frontend without timeout client, or a
// backend with servers and no timeout connect or server. haproxy's default
// mode is tcp, which the warning covers too.
func (ps *haproxyParse) missingTimeouts(p *haproxyProxy) {
	if (!p.frontend() || p.Timeouts["client"] > 0) && (!p.backend() || len(p.Servers) == 0 || p.Timeouts["connect"] > 0 && p.Timeouts["server"] > 0) {
		return
	}
	ps.msgs = append(ps.msgs, haproxyMsg{Text: fmt.Sprintf("missing timeouts for %s '%s'.\n"+
		"   | While not properly invalid, you will certainly encounter various problems\n"+
		"   | with such a configuration. To fix this, please ensure that all following\n"+
		"   | timeouts are set to a non-zero value: 'client', 'connect', 'server'.", p.Kind, p.Name)})
}
