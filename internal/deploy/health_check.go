package deploy

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// An application's health check is an HTTP GET of a path on its main port
// that must answer 2xx or 3xx (redirects followed). It runs inside the
// app's container, against 127.0.0.1 and the port the main service
// publishes there, with the container's own wget: BusyBox's on the Alpine
// template (the busybox package), GNU's on Debian and Ubuntu (priority
// standard). So it costs a refresh nothing more than the services read it
// shares a node script with: no API request, no SSH session, no port to
// reach from the machine running Terraform.
//
// The path an app checks lives in its container, in healthPathFile beside
// its compose file: the apply that sets health_check writes it, and every
// read of the node, which covers all of Proximity's apps there in one
// session, finds each app's path there without knowing its configuration.
// An app without the file has no check. An import reads it back.

// healthPathFile is the file in the app's directory that holds its
// health check's path.
const healthPathFile = "health-path"

// HealthTimeout is wget's -T: how long one check waits for the app to
// connect or answer. The checks of a node's apps run one after another in
// its read, so a hung app delays the node's refresh by this much.
var HealthTimeout = 5 * time.Second

// HealthWait bounds how long a create or an apply waits for the check to
// pass after the services settled (an app may need a while to answer after
// its container runs), within the operation's own deadline.
var HealthWait = 2 * time.Minute

// HealthResult is one run of an application's health check.
type HealthResult struct {
	Path string
	OK   bool
	// Answer is the server's final status line ("HTTP/1.1 404 Not Found"),
	// or wget's reason when there was none ("can't connect to remote
	// host (127.0.0.1): Connection refused").
	Answer string
	// Default tells that Path is the catalog entry's own (HealthPathFor
	// with nothing configured gives it).
	Default bool
}

// markDefault sets r.Default for the app's entry; r may be nil.
func markDefault(r *HealthResult, entry *catalog.App) *HealthResult {
	if r != nil {
		r.Default = r.Path == entry.HealthCheckPath()
	}
	return r
}

// String is the check as the health attribute and errors show it.
func (r HealthResult) String() string { return "GET " + r.Path + ": " + r.Answer }

// CheckHealthPath checks a configured health check path (the catalog
// owns the rule, for its entries' healthPath too).
func CheckHealthPath(p string) error { return catalog.CheckHealthPath(p) }

// HealthPathFor is the path an application's check asks for: the one it
// configures, else its catalog entry's healthPath, else "/".
func HealthPathFor(entry *catalog.App, configured string) string {
	if configured != "" {
		return configured
	}
	return entry.HealthCheckPath()
}

// healthScript is the shell code, run in the app's container, that checks
// the path its healthPathFile holds, if any, between markers: "@@ health
// <path>", wget's output (-S: the response lines), "@@ health-exit <status>".
// The path reaches wget as one word ("$p" is not split or globbed), so a
// file edited by hand cannot inject commands. -t 1: GNU wget retries a
// timed-out read 20 times otherwise; BusyBox ignores -t.
func healthScript(entry *catalog.App) string {
	file := Quote(appDir(entry) + "/" + healthPathFile)
	url := Quote("http://127.0.0.1:" + strconv.Itoa(entry.MainPort()))
	timeout := strconv.Itoa(max(1, int(HealthTimeout.Seconds())))
	return "if [ -f " + file + " ]; then p=$(cat " + file + "); echo \"@@ health $p\"; " +
		"wget -q -S -O /dev/null -t 1 -T " + timeout + " " + url + "\"$p\" 2>&1; echo \"@@ health-exit $?\"; fi"
}

// parseHealth reads healthScript's part of an app's output: nil when the
// app has no check (no marker).
func parseHealth(lines []string) *HealthResult {
	var r *HealthResult
	var out []string
	code := -1
	for _, line := range lines {
		switch {
		case strings.HasPrefix(line, "@@ health-exit "):
			code, _ = strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "@@ health-exit ")))
		case strings.HasPrefix(line, "@@ health "):
			r = &HealthResult{Path: strings.TrimPrefix(line, "@@ health ")}
		case r != nil && code < 0:
			out = append(out, line)
		}
	}
	if r == nil {
		return nil
	}
	r.OK, r.Answer = code == 0, wgetAnswer(out, code)
	return r
}

// wgetAnswer is what a wget run says of the server: the last response
// line -S printed (after redirects, the final one), else wget's own
// reason (BusyBox: "wget: can't connect to remote host (127.0.0.1):
// Connection refused", "wget: download timed out"), else its exit
// status (GNU wget -q prints no reason: 4 is a network failure, 8 an
// error response).
func wgetAnswer(out []string, code int) string {
	status, reason := "", ""
	for _, line := range out {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "  HTTP/"):
			status = trimmed
		case strings.HasPrefix(trimmed, "wget: server returned error"): // the status line again
		case strings.HasPrefix(trimmed, "wget: "):
			reason = strings.TrimPrefix(trimmed, "wget: ")
		case trimmed != "" && !strings.HasPrefix(line, "  ") && reason == "":
			reason = trimmed // "sh: wget: not found"
		}
	}
	switch {
	case code < 0:
		return "the check did not finish"
	case status != "" && (code == 0 || reason == ""):
		return status
	case reason != "":
		return reason
	case code == 0:
		return "answered"
	case code == 4:
		return "no answer (wget exit status 4: connection refused, timed out or reset)"
	case code == 8:
		return "an error response (wget exit status 8)"
	}
	return fmt.Sprintf("wget exited %d", code)
}
