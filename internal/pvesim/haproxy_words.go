package pvesim

import (
	"sort"
	"strings"
)

// The words haproxy 3.0/3.2 knows, from its sources: the common_kw_list
// arrays of src/cfgparse-listen.c and src/cfgparse-global.c, the keywords
// registered for CFG_LISTEN and CFG_GLOBAL (cfg_register_keywords), the
// options of proxy.c's cfg_opts/cfg_opts2 and cfgparse-listen.c. A word
// outside them is haproxy's "unknown keyword"; the "did you mean" hint
// comes from the same lists, so it matches haproxy's for them.

var haproxyProxyKeywordList = strings.Fields(`listen frontend backend defaults server
	default-server server-template bind monitor-net monitor-uri mode id description disabled enabled
	acl dynamic-cookie-key cookie email-alert persist appsession load-server-state-from-file
	server-state-file-name max-session-srv-conns capture retries http-request http-response
	http-after-response http-send-name-header block redirect use_backend use-server force-persist
	ignore-persist stick-table stick stats option default_backend http-reuse monitor transparent
	maxconn backlog fullconn dispatch balance log-balance hash-type hash-balance-factor
	unique-id-format unique-id-header log-format log-format-sd log-tag log source usesrc
	error-log-format
	clitcpka-cnt clitcpka-idle clitcpka-intvl clitimeout compression contimeout declare errorfile
	errorfiles errorloc errorloc302 errorloc303 external-check filter guid http-check http-error
	max-keep-alive-queue rate-limit retry-on srvtcpka-cnt srvtcpka-idle srvtcpka-intvl srvtimeout
	tcp-check tcp-request tcp-response timeout use-fcgi-app no`)

var haproxyProxyKeywords = toSet(strings.Join(haproxyProxyKeywordList, " "))

var haproxyGlobalKeywordList = strings.Fields(`global daemon master-worker noepoll nokqueue
	noevports nopoll busy-polling set-dumpable insecure-fork-wanted insecure-setuid-wanted nosplice
	nogetaddrinfo noreuseport quiet zero-warning tune.runqueue-depth tune.maxpollevents tune.maxaccept
	tune.recv_enough tune.bufsize tune.maxrewrite tune.idletimer tune.rcvbuf.client tune.rcvbuf.server
	tune.sndbuf.client tune.sndbuf.server tune.pipesize tune.http.cookielen tune.http.logurilen
	tune.http.maxhdr tune.comp.maxlevel tune.pattern.cache-size tune.fast-forward uid gid
	external-check user group nbproc maxconn ssl-server-verify maxconnrate maxsessrate maxsslrate
	maxcomprate maxpipes maxzlibmem maxcompcpuusage ulimit-n chroot description node pidfile
	unix-bind log log-send-hostname server-state-base server-state-file log-tag spread-checks
	max-spread-checks cpu-map setenv presetenv unsetenv resetenv strict-limits localpeer
	numa-cpu-mapping defaults listen frontend backend peers resolvers cluster-secret no-quic
	limited-quic stats-file
	ca-base crt-base nbthread stats hard-stop-after grace lua-load lua-prepend-path
	ssl-default-bind-ciphers ssl-default-bind-ciphersuites ssl-default-bind-options
	ssl-default-server-ciphers ssl-default-server-ciphersuites ssl-default-server-options
	ssl-dh-param-file tune.ssl.default-dh-param thread-groups expose-experimental-directives
	h1-case-adjust set-var mworker-max-reloads`)

var haproxyGlobalKeywords = toSet(strings.Join(haproxyGlobalKeywordList, " "))

var haproxyOptionList = strings.Fields(`abortonclose allbackups checkcache clitcpka contstats
	dontlognull http-buffer-request http-ignore-probes idle-close-on-response prefer-last-server
	logasap nolinger persist srvtcpka transparent splice-request splice-response splice-auto
	accept-invalid-http-request accept-invalid-http-response dontlog-normal log-separate-errors
	log-health-checks socket-stats tcp-smart-accept tcp-smart-connect independent-streams
	http-use-proxy-header http-pretend-keepalive http-no-delay h1-case-adjust-bogus-client
	h1-case-adjust-bogus-server disable-h2-upgrade tcpka httpchk ssl-hello-chk smtpchk pgsql-check
	redis-check mysql-check ldap-check spop-check tcp-check external-check forwardfor originalto
	http-restrict-req-hdr-names httpclose http-server-close http-keep-alive redispatch httplog
	httpslog tcplog forwarded original-to http-tunnel log-health-checks`)

var haproxyOptions = toSet(strings.Join(haproxyOptionList, " "))

// haproxyHTTPActions are the http-request/http-response actions accepted
// (the header ones are modelled, the others not evaluated).
var haproxyHTTPActions = toSet(`add-acl add-header allow auth capture compression del-acl del-header
	del-map deny disable-l7-retry do-log early-hint normalize-uri pause redirect reject replace-header
	replace-value return set-header set-map set-status set-timeout strict-mode tarpit track-sc
	wait-for-body set-var set-var-fmt unset-var set-path set-query set-uri set-method set-log-level
	set-nice set-tos set-mark set-dst set-src set-src-port set-dst-port sc-inc-gpc0 sc-inc-gpc1
	sc-set-gpt0 send-spoe-group use-service cache-store cache-use lua`)

// haproxyHTTPActionList is the list haproxy prints after "expects" (its
// registered actions, quoted, comma-separated).
func haproxyHTTPActionList() string {
	names := make([]string, 0, len(haproxyHTTPActions))
	for n := range haproxyHTTPActions {
		names = append(names, "'"+n+"'")
	}
	sort.Strings(names)
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// haproxyTimeoutCaps are proxy_parse_timeout's timeouts and the capability
// each needs ("" for either).
var haproxyTimeoutCaps = map[string]string{
	"client": "frontend", "client-fin": "frontend", "client-hs": "frontend", "handshake": "frontend",
	"server": "backend", "connect": "backend", "check": "backend", "queue": "backend", "tunnel": "backend",
	"server-fin": "backend", "tarpit": "", "http-keep-alive": "", "http-request": "",
}

// haproxyBestMatch is cfg_find_best_match (cfgparse.c): the known word
// whose letter-transition fingerprint (make_word_fingerprint, tools.c) is
// nearest, if no farther than twice the length of either word.
func haproxyBestMatch(word string, known []string) string {
	fp := haproxyFingerprint(word)
	best, bestDist := "", int(^uint(0)>>1)
	for _, k := range known {
		d := fingerprintDistance(fp, haproxyFingerprint(k))
		if d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" || bestDist > 2*len(word) || bestDist > 2*len(best) {
		return ""
	}
	return best
}

// haproxyFingerprint is update_word_fingerprint: counts of transitions
// between character classes (1..26 letters, 27 digit, 28 other/begin/end),
// row 0 marking which classes occur.
func haproxyFingerprint(word string) [1024]uint8 {
	var fp [1024]uint8
	from := 28
	for _, c := range []byte(strings.ToLower(word)) {
		to := 28
		switch {
		case c >= 'a' && c <= 'z':
			to = int(c-'a') + 1
		case c >= '0' && c <= '9':
			to = 27
		}
		fp[to] = 1
		fp[32*from+to]++
		from = to
	}
	fp[32*from+28]++
	return fp
}

func fingerprintDistance(a, b [1024]uint8) int {
	d := 0
	for i := range a {
		k := int(a[i]) - int(b[i])
		if k < 0 {
			k = -k
		}
		d += k
	}
	return d
}
