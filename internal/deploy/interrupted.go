package deploy

import (
	"context"
	"errors"
	"fmt"
)

// InterruptedError is a create stopped by its context rather than by a
// failure of its own: cancelled (Terraform asks the provider to stop on
// Ctrl-C) or out of time (the create timeout ran out).
//
// A cancelled create leaves what a killed run leaves, so that the next apply
// resumes it instead of replacing it: the container keeps its deploying mark
// and its pair stays in the allocation table under the app's hostname, and
// the caller records nothing. A create that ran out of time failed: the
// caller records the container, which Terraform then replaces.
type InterruptedError struct {
	Cancelled bool   // false: the deadline passed
	Step      string // the step that was running; "" before the first
	VMID      int    // 0: no container known
	Node      string
	// Requested: a create request may have reached PVE though no VMID is
	// known (cancelled while it was under way).
	Requested                bool
	PublicPort, InternalPort int
	Err                      error
}

func (e *InterruptedError) Error() string {
	step := "before its first step"
	if e.Step != "" {
		step = fmt.Sprintf("during step %q", e.Step)
	}
	if !e.Cancelled {
		left := "no container was made"
		if e.VMID != 0 {
			left = fmt.Sprintf("CT %d on %s is kept as a failed deployment, which the next apply replaces", e.VMID, e.Node)
		}
		return fmt.Sprintf("the create ran out of time %s (%v); %s", step, e.Err, left)
	}
	ports := fmt.Sprintf("its ports %d and %d stay allocated", e.PublicPort, e.InternalPort)
	switch {
	case e.VMID != 0:
		return fmt.Sprintf("the create was cancelled %s. CT %d on %s is left as it is, marked %s, and %s; "+
			"nothing was recorded in the state: the next apply of this configuration resumes CT %d where this one stopped",
			step, e.VMID, e.Node, TagDeploying, ports, e.VMID)
	case e.Requested:
		return fmt.Sprintf("the create was cancelled %s, before PVE answered: a container it made is marked %s and %s; "+
			"the next apply of this configuration resumes it, or takes the ports back when there is none", step, TagDeploying, ports)
	default:
		return fmt.Sprintf("the create was cancelled %s, before any container was made; nothing was left behind", step)
	}
}

func (e *InterruptedError) Unwrap() error { return e.Err }

// cancelled tells whether ctx was cancelled (not timed out): the run stops
// at the user's request, and leaves its work for the next one to resume.
func cancelled(ctx context.Context) bool {
	return errors.Is(ctx.Err(), context.Canceled)
}

// interrupted turns the error of a create that its context stopped into an
// InterruptedError, naming the step that was running; any other error is
// returned as it is.
func interrupted(ctx context.Context, err error, app App, requested bool) error {
	if err == nil || ctx.Err() == nil {
		return err
	}
	e := &InterruptedError{
		Cancelled: cancelled(ctx), VMID: app.VMID, Node: app.Node, Requested: requested,
		PublicPort: app.PublicPort, InternalPort: app.InternalPort, Err: err,
	}
	if n := len(app.Log); n > 0 && app.Log[n-1].Status == "failed" {
		e.Step = app.Log[n-1].Name
	}
	return e
}
