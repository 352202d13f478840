package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// HealthError is a health check that still failed when a create or an
// apply gave up waiting for it.
type HealthError struct {
	Result HealthResult
	App    string
}

func (e *HealthError) Error() string {
	return fmt.Sprintf("the health check of %s failed: %s (it must answer 2xx or 3xx; check the app's log, or set health_check.path "+
		"to a path the app serves)", e.App, e.Result)
}

// setHealthPath records the app's health check in its container (path
// "": none), so that every later read of the node runs it.
func (d *Service) setHealthPath(ctx context.Context, node string, vmid int, entry *catalog.App, path string) error {
	if path == "" {
		return d.inContainer(ctx, node, vmid, "rm", "-f", appDir(entry)+"/"+healthPathFile)
	}
	return d.pushFile(ctx, node, vmid, appDir(entry), healthPathFile, []byte(path+"\n"))
}

// runHealth runs the app's health check once, nil when it has none.
func (d *Service) runHealth(ctx context.Context, node string, vmid int, entry *catalog.App) (*HealthResult, error) {
	out, err := d.output(ctx, node, vmid, "sh", "-c", healthScript(entry))
	if err != nil {
		return nil, fmt.Errorf("running the health check of %s: %w", entry.ID, err)
	}
	return markDefault(parseHealth(strings.Split(out, "\n")), entry), nil
}

// healthStep waits until the app's health check passes, as a step of the
// log ("health check"), after its services settled; nothing when the app
// has none. It polls: an app may answer a while after its container runs
// (a database migration, Loki's ingester readiness). It fails after
// HealthWait, or before the operation's deadline, naming the path and the
// last answer.
func (d *Service) healthStep(ctx context.Context, node string, vmid int, entry *catalog.App, log *stepLog) error {
	r, err := d.runHealth(ctx, node, vmid, entry)
	if err != nil || r == nil {
		return err
	}
	return log.run(ctx, "health check", func() (string, error) {
		deadline := time.Now().Add(HealthWait)
		if end, ok := ctx.Deadline(); ok {
			deadline = minTime(deadline, end.Add(-min(15*time.Second, time.Until(end)/4)))
		}
		for !r.OK {
			if time.Now().After(deadline) {
				return "", &HealthError{Result: *r, App: entry.ID}
			}
			select {
			case <-ctx.Done():
				return "", fmt.Errorf("waiting for the health check of %s (%s): %w", entry.ID, r, ctx.Err())
			case <-time.After(min(2*time.Second, max(HealthWait/20, 10*time.Millisecond))):
			}
			next, err := d.runHealth(ctx, node, vmid, entry)
			if err != nil {
				return "", err
			}
			if next == nil {
				return "", errors.New("the health check's path file " + appDir(entry) + "/" + healthPathFile + " vanished during the check")
			}
			r = next
		}
		return r.String(), nil
	})
}

// applyHealthCheck records path as the app's check (remove: "" removes a
// recorded one; otherwise "" leaves the container as it is) and runs the
// check as healthStep does.
func (d *Service) applyHealthCheck(ctx context.Context, node string, vmid int, entry *catalog.App, path string, remove bool, log *stepLog) error {
	if path != "" || remove {
		if err := d.setHealthPath(ctx, node, vmid, entry, path); err != nil {
			return fmt.Errorf("recording the health check of %s: %w", entry.ID, err)
		}
	}
	return d.healthStep(ctx, node, vmid, entry, log)
}

// updateHealth records a changed health check and runs the check after an
// update that redeployed or restarted the services, or changed the check.
// A container the update stops only records it.
func (d *Service) updateHealth(ctx context.Context, node string, vmid int, c Change, entry *catalog.App, log *stepLog) error {
	stops := c.Running != nil && !*c.Running
	switch {
	case c.HealthPath != nil && stops:
		return d.setHealthPath(ctx, node, vmid, entry, *c.HealthPath)
	case c.HealthPath != nil:
		return d.applyHealthCheck(ctx, node, vmid, entry, *c.HealthPath, true, log)
	case (c.Redeploy || c.Restart) && !stops:
		return d.healthStep(ctx, node, vmid, entry, log)
	}
	return nil
}
