package deploy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// ServicesSettle is how long every service of an app must keep running
// (and healthy, where its image or compose file defines a healthcheck)
// after compose up before the deployment counts: a service that crashes
// at start and restarts in a loop shows as running between its restarts,
// and a few seconds catch that without slowing a deployment much. Tests
// shorten it.
var ServicesSettle = 3 * time.Second

// ServicesWait bounds the wait for services to settle, within the
// operation's own deadline (the create or update timeout): a restart loop
// fails the deployment then, with the service's logs, rather than holding
// the whole timeout.
var ServicesWait = 5 * time.Minute

// serviceLogLines is how much of a failing service's log the error carries.
const serviceLogLines = 30

// serviceState is one service as docker reports its container.
type serviceState struct {
	name   string
	id     string // empty: compose created no container for it
	state  string // running, restarting, exited, created, dead
	status string // docker ps's STATUS: "Up 3 seconds (healthy)"
}

// settled tells whether the service runs and, if it has a healthcheck, is healthy.
func (s serviceState) settled() bool {
	return s.state == "running" && !strings.Contains(s.status, "(health: starting)") && !strings.Contains(s.status, "(unhealthy)")
}

// final tells whether the service cannot come back by itself. It reads
// only docker's state, which carries the restart policy's verdict: while
// the policy will restart an exited container docker reports it as
// restarting, so exited (or dead) means the policy (no, on-failure after a
// clean exit or with its retries spent) has given up on it.
func (s serviceState) final() bool { return s.state == "exited" || s.state == "dead" }

func (s serviceState) String() string {
	if s.id == "" {
		return s.name + " has no container"
	}
	return fmt.Sprintf("%s is %s (%s)", s.name, s.state, s.status)
}

// checkServices restarts the services found unhealthy (restartUnhealthy),
// then waits until every service of the app has run for
// ServicesSettle, polling docker; on failure the error carries the last
// lines of the failing service's log. A restart between two polls shows in
// the container's uptime, which docker's status gives to the second.
func (d *Service) checkServices(ctx context.Context, node string, vmid int, tool composeTool, dir string, entry *catalog.App) (string, error) {
	settle := ServicesSettle
	poll := min(time.Second, max(settle/4, 10*time.Millisecond))
	deadline := time.Now().Add(ServicesWait)
	if end, ok := ctx.Deadline(); ok {
		// Leave time to fetch the logs that explain a failure.
		deadline = minTime(deadline, end.Add(-min(15*time.Second, time.Until(end)/4)))
	}
	restarted, err := d.restartUnhealthy(ctx, node, vmid, tool, dir, entry)
	if err != nil {
		return "", err
	}
	var since time.Time // when every service was last seen settled, after not being so
	for {
		states, err := d.serviceStates(ctx, node, vmid, tool, dir, entry)
		if err != nil {
			return "", err
		}
		bad := unsettled(states)
		switch {
		case bad == nil && since.IsZero():
			since = time.Now()
		case bad != nil:
			since = time.Time{}
		}
		if bad == nil && time.Since(since) >= settle {
			if bad = restartedWithin(states, settle-time.Second); bad == nil {
				return restarted + strings.Join(entry.ServiceNames(), ", ") + " running", nil
			}
			since = time.Now() // it restarted unseen: its settle starts again
		}
		if bad != nil && (bad.final() || time.Now().After(deadline)) {
			return "", d.serviceFailure(ctx, node, vmid, tool, dir, entry, *bad)
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("waiting for the services of %s: %w", entry.ID, ctx.Err())
		case <-time.After(poll):
		}
	}
}

// restartedWithin is the first service whose container has been up for
// less than d, by its status; an uptime docker's status does not give
// ("Up About a minute" does) never counts against it.
func restartedWithin(states []serviceState, d time.Duration) *serviceState {
	for i := range states {
		if up, ok := uptime(states[i].status); ok && up < d {
			return &states[i]
		}
	}
	return nil
}

// uptime reads the seconds of docker's "Up 5 seconds (healthy)" (go-units'
// HumanDuration: "Less than a second", "1 second", "N seconds", then
// minutes and more, which are past any settle time).
func uptime(status string) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(status, "Up ")
	if !ok {
		return 0, false
	}
	var n int
	switch {
	case strings.HasPrefix(rest, "Less than a second"):
		return 0, true
	case strings.HasPrefix(rest, "1 second"):
		return time.Second, true
	}
	if _, err := fmt.Sscanf(rest, "%d seconds", &n); err == nil {
		return time.Duration(n) * time.Second, true
	}
	return time.Hour, true
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// unsettled is the first service not settled, a final one first.
func unsettled(states []serviceState) *serviceState {
	var first *serviceState
	for i := range states {
		switch s := &states[i]; {
		case s.final():
			return s
		case !s.settled() && first == nil:
			first = s
		}
	}
	return first
}

// serviceFailure is the error of a service that did not settle, with its log.
func (d *Service) serviceFailure(ctx context.Context, node string, vmid int, tool composeTool, dir string, entry *catalog.App, s serviceState) error {
	msg := fmt.Sprintf("service %s of %s did not keep running after compose up: %s", s.name, entry.ID, s)
	logs, err := d.output(ctx, node, vmid, tool.project(dir, entry.ID, "logs", "--no-color", "--tail", fmt.Sprint(serviceLogLines), s.name)...)
	if err != nil {
		return fmt.Errorf("%s; its log could not be read: %w", msg, err)
	}
	return fmt.Errorf("%s; the last %d lines of its log (compose logs %s):\n%s", msg, serviceLogLines, s.name, strings.TrimRight(logs, "\n"))
}

// serviceStates asks, in one command, for each service's container (compose
// ps -a -q, which Compose v1 and v2 both have) and for every container's
// state and status (docker ps -a), and joins them.
func (d *Service) serviceStates(
	ctx context.Context, node string, vmid int, tool composeTool, dir string, entry *catalog.App,
) ([]serviceState, error) {
	var script strings.Builder
	for _, name := range entry.ServiceNames() {
		fmt.Fprintf(&script, "echo %s; %s; ", Quote("== "+name), Command(tool.project(dir, entry.ID, "ps", "-a", "-q", name)...))
	}
	script.WriteString("echo '== '; docker ps -a --format '{{.ID}} {{.State}} {{.Status}}'")
	out, err := d.output(ctx, node, vmid, "sh", "-c", script.String())
	if err != nil {
		return nil, fmt.Errorf("listing the services of %s: %w", entry.ID, err)
	}
	return parseServiceStates(out), nil
}

// parseServiceStates reads serviceStates' output: a "== service" line and
// its container IDs (full), then after "== " docker ps's lines, whose IDs
// are the first 12 characters.
func parseServiceStates(out string) []serviceState {
	var states []serviceState
	containers := map[string][2]string{}
	inPS := false
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		switch name, isHeader := strings.CutPrefix(line, "== "); {
		case line == "==":
			inPS = true
		case isHeader:
			states = append(states, serviceState{name: name})
		case line == "":
		case inPS:
			fields := strings.SplitN(line, " ", 3)
			if len(fields) == 3 {
				containers[fields[0]] = [2]string{fields[1], fields[2]}
			}
		case len(states) > 0 && states[len(states)-1].id == "":
			states[len(states)-1].id = line
		}
	}
	for i, s := range states {
		if len(s.id) >= 12 {
			c, ok := containers[s.id[:12]]
			if !ok {
				states[i].id = ""
				continue
			}
			states[i].state, states[i].status = c[0], c[1]
		}
	}
	return states
}
