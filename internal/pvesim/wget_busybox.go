package pvesim

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// BusyBox's wget, the one an Alpine template has (the busybox package
// links /usr/bin/wget to it), fetching from the compose services of the
// container's own docker. Its behaviour follows networking/wget.c (BusyBox
// 1.36/1.37, git://busybox.net/busybox) and was cross-checked against
// Debian's busybox 1.35 build against a local server:
//   - options -q (quiet), -S (server response: each response line on
//     stderr with two leading spaces), -O FILE ("-" is stdout), -T SEC
//     (network read timeout, 900 s by default), -t TRIES (accepted and
//     ignored, as wget.c's getopt string says);
//   - a status of 200-204 succeeds; 300, 301, 302, 303, 307 and 308 with a
//     Location are followed, at most 16 times ("too many redirections");
//     any other status dies with "server returned error: HTTP/1.1 404 Not
//     Found" (bb_error_msg_and_die, exit status 1);
//   - a port nothing listens on: "can't connect to remote host
//     (127.0.0.1): Connection refused" (libbb/xconnect.c xconnect), exit 1;
//   - a server that accepts and never answers: "download timed out" after
//     -T seconds (alarm_handler), exit 1.
//
// A published port answers while its container runs (dockerd's proxy
// forwards it); a stopped, exited or restarting container refuses it, and
// a hung one (HangService) accepts but never answers. What each image
// answers is http_images.go's table. Only plain http is modelled.

// wgetOptions are the options of one wget call.
type wgetOptions struct {
	quiet, serverResponse bool
	output                string
	timeout               time.Duration
	url                   string
}

// parseWgetArgs reads wget's options; code >= 0 is an exit status.
func parseWgetArgs(c *shell.Call) (wgetOptions, int) {
	o := wgetOptions{timeout: 900 * time.Second}
	args := c.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, bool) {
			if i+1 >= len(args) {
				fmt.Fprintf(c.Stderr, "wget: option requires an argument: %s\n", strings.TrimLeft(a, "-"))
				return "", false
			}
			i++
			return args[i], true
		}
		switch a {
		case "-q", "--quiet":
			o.quiet = true
		case "-S", "--server-response":
			o.serverResponse = true
		case "-qS", "-Sq":
			o.quiet, o.serverResponse = true, true
		case "-O", "--output-document", "-T", "--timeout", "-t", "--tries":
			v, ok := value()
			if !ok {
				return o, 1
			}
			switch a {
			case "-O", "--output-document":
				o.output = v
			case "-T", "--timeout":
				n, err := strconv.Atoi(v)
				if err != nil || n < 0 {
					fmt.Fprintf(c.Stderr, "wget: invalid number '%s'\n", v)
					return o, 1
				}
				o.timeout = time.Duration(n) * time.Second
			}
		default:
			if strings.HasPrefix(a, "-") {
				fmt.Fprintf(c.Stderr, "wget: unrecognized option: %s\n", strings.TrimLeft(a, "-"))
				return o, 1
			}
			o.url = a
		}
	}
	if o.url == "" {
		fmt.Fprintln(c.Stderr, "BusyBox v1.37.0 multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR] URL...")
		return o, 1
	}
	return o, -1
}

// wgetProgram is BusyBox's wget in guest g.
func (s *Simulator) wgetProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		o, code := parseWgetArgs(c)
		if code >= 0 {
			return code
		}
		raw := o.url
		if !strings.Contains(raw, "://") {
			raw = "http://" + raw // wget.c parse_url: no scheme is http
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp") {
			return c.Errorf("not an http or ftp url: %s", o.url)
		}
		if u.Scheme != "http" {
			return c.Errorf("%s is not simulated (the simulator's images serve plain http only)", u.Scheme)
		}
		ip, ok := s.wgetResolve(g, u.Hostname())
		if !ok {
			return c.Errorf("bad address '%s'", u.Hostname())
		}
		port := 80
		if p := u.Port(); p != "" {
			port, _ = strconv.Atoi(p)
		}
		path := u.EscapedPath()
		if path == "" {
			path = "/"
		}
		return s.wgetFetch(c, g, o, ip, port, path)
	}
}

// wgetResolve is the address wget connects to: the container's loopback
// or its own address; other names do not resolve in the simulator.
func (s *Simulator) wgetResolve(g *guest, host string) (string, bool) {
	if host == "127.0.0.1" || host == "localhost" {
		return "127.0.0.1", true
	}
	s.mu.Lock()
	own, _, _ := strings.Cut(g.IP, "/")
	s.mu.Unlock()
	return host, own != "" && host == own
}

// wgetOutcome is what one wget run met: each response in order, and how
// it ended when it did not end with a final answer.
type wgetOutcome struct {
	responses []httpAnswer
	failure   string // "", "refused", "timeout", "reset" or "redirects"
}

// wgetRequest requests path on port of the container's own docker,
// following redirects (at most maxRedirects), as both wgets do; code >= 0
// is an exit status (130: interrupted).
func (s *Simulator) wgetRequest(c *shell.Call, g *guest, timeout time.Duration, port int, path string, maxRedirects int) (wgetOutcome, int) {
	var out wgetOutcome
	for redirects := 0; ; redirects++ {
		svc, listening := publishedService(g, port)
		if !listening {
			out.failure = "refused"
			return out, -1
		}
		if hung(svc) {
			if err := c.Env.Sleep(c.Ctx, timeout); err != nil {
				return out, 130
			}
			out.failure = "timeout"
			return out, -1
		}
		srv, known := imageServerOf(svc.Image)
		if !known {
			srv = unknownImageServer
		}
		if srv.noHTTP {
			out.failure = "reset"
			return out, -1
		}
		a := srv.answer(strings.SplitN(path, "?", 2)[0], s.clock.simulatedAge(svc.StartedAt))
		out.responses = append(out.responses, a)
		if !a.redirect() {
			return out, -1
		}
		if redirects+1 >= maxRedirects {
			out.failure = "redirects"
			return out, -1
		}
		path = a.location
	}
}

// redirect tells whether a response sends wget on (wget.c: 300-303, 307,
// 308 with a Location).
func (a httpAnswer) redirect() bool {
	return a.location != "" && (a.status >= 300 && a.status <= 303 || a.status == 307 || a.status == 308)
}

func (a httpAnswer) statusLine() string { return fmt.Sprintf("HTTP/1.1 %d %s", a.status, a.reason) }

// wgetFetch is BusyBox's wget of path: -S prints each response line,
// a failure dies with wget.c's message and status 1.
func (s *Simulator) wgetFetch(c *shell.Call, g *guest, o wgetOptions, ip string, port int, path string) int {
	if !o.quiet {
		fmt.Fprintf(c.Stderr, "Connecting to %s:%d (%s:%d)\n", ip, port, ip, port)
	}
	out, code := s.wgetRequest(c, g, o.timeout, port, path, 16)
	if code >= 0 {
		return code
	}
	for _, a := range out.responses {
		if o.serverResponse {
			fmt.Fprintf(c.Stderr, "  %s\n", a.statusLine())
			if a.location != "" {
				fmt.Fprintf(c.Stderr, "  Location: %s\n", a.location)
			}
		}
	}
	switch out.failure {
	case "refused":
		return c.Errorf("can't connect to remote host (%s): Connection refused", ip)
	case "timeout":
		return c.Errorf("download timed out")
	case "reset":
		return c.Errorf("error getting response: Connection reset by peer")
	case "redirects":
		return c.Errorf("too many redirections")
	}
	last := out.responses[len(out.responses)-1]
	if last.status < 200 || last.status > 204 {
		return c.Errorf("server returned error: %s", last.statusLine())
	}
	return wgetSave(c, o, path)
}

// publishedService is the running container that publishes port.
func publishedService(g *guest, port int) (composeService, bool) {
	if !dockerdRunning(g) {
		return composeService{}, false
	}
	for _, p := range loadProjects(g) {
		for _, svc := range p.Services {
			for _, pp := range svc.Ports {
				if pp.Published == port && svc.State == "running" && (pp.Protocol == "" || pp.Protocol == "tcp") {
					return svc, true
				}
			}
		}
	}
	return composeService{}, false
}

// wgetSave writes the (simulated, empty) body where -O says: a file,
// stdout for "-", else the URL's last path element or index.html.
func wgetSave(c *shell.Call, o wgetOptions, path string) int {
	name := o.output
	if name == "" {
		name = path[strings.LastIndex(path, "/")+1:]
		if name == "" {
			name = "index.html"
		}
	}
	switch name {
	case "-":
		if !o.quiet {
			fmt.Fprintln(c.Stderr, "writing to stdout")
		}
		return 0
	case "/dev/null":
	default:
		if err := c.Env.FS.WriteFile(c.Abs(name), nil, 0o644); err != nil {
			return c.Errorf("can't open '%s': %v", name, err)
		}
	}
	if !o.quiet {
		fmt.Fprintf(c.Stderr, "saving to '%s'\n'%s' saved\n", name, name)
	}
	return 0
}
