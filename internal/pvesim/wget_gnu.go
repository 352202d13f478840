package pvesim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// GNU Wget, the one Debian's and Ubuntu's standard templates have (wget is
// of priority standard in Debian, important in Ubuntu), fetching from the
// container's own docker as BusyBox's does (wget_busybox.go). What differs,
// as GNU Wget 1.21 prints it (wget(1) "EXIT STATUS"; checked against
// Debian 12's wget 1.21.3 and a local server):
//   - exit status 4 for a network failure (refused, timed out, reset) and
//     8 for an error response (4xx, 5xx), 0 for success;
//   - -q silences everything but -S's response headers ("  HTTP/1.0 404
//     File not found"), so a refused connection prints nothing;
//   - without -q it logs "--<time>--  <url>", "Connecting to <host>:<port>...
//     connected." or "failed: Connection refused.", "HTTP request sent,
//     awaiting response... 404 Not Found" and "<time> ERROR 404: Not Found.";
//   - redirects are followed up to 20 (--max-redirect).

// gnuWgetProgram is GNU Wget in guest g.
func (s *Simulator) gnuWgetProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		o, code := parseWgetArgs(c)
		if code >= 0 {
			return code
		}
		raw := o.url
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw
		}
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "http" {
			if !o.quiet {
				fmt.Fprintf(c.Stderr, "%s: Unsupported scheme (the simulator's images serve plain http only).\n", o.url)
			}
			return 1
		}
		ip, ok := s.wgetResolve(g, u.Hostname())
		if !ok {
			if !o.quiet {
				fmt.Fprintf(c.Stderr, "wget: unable to resolve host address '%s'\n", u.Hostname())
			}
			return 4
		}
		port := 80
		if p := u.Port(); p != "" {
			port, _ = strconv.Atoi(p)
		}
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		return s.gnuWgetFetch(c, g, o, raw, ip, port, path)
	}
}

// gnuWgetFetch is GNU Wget's run: the log without -q, the headers with -S,
// and its exit status.
func (s *Simulator) gnuWgetFetch(c *shell.Call, g *guest, o wgetOptions, rawURL, ip string, port int, path string) int {
	log := func(format string, args ...any) {
		if !o.quiet {
			fmt.Fprintf(c.Stderr, format, args...)
		}
	}
	log("--%s--  %s\n", time.Now().Format(wgetTime), rawURL)
	log("Connecting to %s:%d... ", ip, port)
	out, code := s.wgetRequest(c, g, o.timeout, port, path, 21)
	if code >= 0 {
		return code
	}
	if out.failure == "refused" {
		log("failed: Connection refused.\n")
		return 4
	}
	log("connected.\n")
	for _, a := range out.responses {
		log("HTTP request sent, awaiting response... ")
		if o.serverResponse {
			log("\n")
			fmt.Fprintf(c.Stderr, "  %s\n", a.statusLine())
			if a.location != "" {
				fmt.Fprintf(c.Stderr, "  Location: %s\n", a.location)
			}
		} else {
			log("%d %s\n", a.status, a.reason)
		}
		if a.redirect() {
			log("Location: %s [following]\n", a.location)
		}
	}
	switch out.failure {
	case "timeout":
		log("Read error (Connection timed out) in headers.\nGiving up.\n\n")
		return 4
	case "reset":
		log("Read error (Connection reset by peer) in headers.\nGiving up.\n\n")
		return 4
	case "redirects":
		log("20 redirections exceeded.\n")
		return 8
	}
	last := out.responses[len(out.responses)-1]
	if last.status >= 400 {
		log("%s ERROR %d: %s.\n\n", time.Now().Format(wgetTime), last.status, last.reason)
		return 8
	}
	return wgetSave(c, wgetOptions{quiet: true, output: o.output}, path)
}
