package provider

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// preflight proves at plan time what every apply needs before it makes
// anything: that the API answers, over a trusted connection, and takes the
// credentials; and that each node the plan deploys to takes the SSH
// credentials. A wrong token, endpoint, CA or key is then a plan error,
// not a container left behind by a failed apply. A check that passed is
// not run again in the provider process: a plan of fifty applications
// makes one API call and one SSH handshake per node, and the SSH
// connection stays for the apply. A failure is kept only when it is
// certain (settled); a timeout, a refused connection or a cancelled
// request is asked again by the next plan.
type preflight struct {
	api    cached[struct{}]
	online cached[[]string]
	mu     sync.Mutex // guards nodes
	nodes  map[string]*cached[struct{}]
}

// cached is a check whose success (or certain failure) is kept for the
// process. One caller runs it at a time, with its own context; callers
// that waited meanwhile take its answer, unless its caller's cancel cut it
// short, and then run it themselves, so no caller's cancel decides another
// caller's result. A caller arriving after a failure that is not kept runs
// the check again.
type cached[T any] struct {
	init sync.Once
	turn chan struct{} // held by the caller that runs the check

	mu     sync.Mutex // guards the fields below
	done   bool       // v and err are kept for the process
	runs   int        // checks finished
	shared bool       // the last check's answer is its waiters' too
	v      T
	err    error
}

func (c *cached[T]) get(ctx context.Context, fetch func(context.Context) (T, error)) (T, error) {
	c.init.Do(func() { c.turn = make(chan struct{}, 1) })
	c.mu.Lock()
	v, err, done, seen := c.v, c.err, c.done, c.runs
	c.mu.Unlock()
	if done {
		return v, err
	}
	select {
	case c.turn <- struct{}{}:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	defer func() { <-c.turn }()
	c.mu.Lock()
	if c.done || (c.runs != seen && c.shared) { // answered while this caller waited
		v, err = c.v, c.err
		c.mu.Unlock()
		return v, err
	}
	c.mu.Unlock()
	v, err = fetch(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.runs++
	c.v, c.err = v, err
	c.done = err == nil || settled(err)
	c.shared = ctx.Err() == nil // an answer cut short by this caller's cancel is no one else's
	return v, err
}

// run is get for a check without a value.
func (c *cached[T]) run(ctx context.Context, check func(context.Context) error) error {
	_, err := c.get(ctx, func(ctx context.Context) (T, error) {
		var zero T
		return zero, check(ctx)
	})
	return err
}

// settled reports whether a preflight failure is certain to stay until the
// configuration or the cluster changes, which restarts the provider
// anyway: credentials refused, a certificate not trusted, an SSH key or a
// host key refused, a configuration PVE or SSH cannot use.
func settled(err error) bool {
	var (
		credentials *pveclient.CredentialsError
		certificate *pveclient.CertificateError
		clientCfg   *pveclient.ConfigError
		auth        *nodeshell.AuthError
		hostKey     *nodeshell.HostKeyError
		shellCfg    *nodeshell.ConfigError
	)
	return errors.As(err, &credentials) || errors.As(err, &certificate) || errors.As(err, &clientCfg) ||
		errors.As(err, &auth) || errors.As(err, &hostKey) || errors.As(err, &shellCfg)
}

func (p *preflight) node(name string) *cached[struct{}] {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nodes == nil {
		p.nodes = map[string]*cached[struct{}]{}
	}
	o, ok := p.nodes[name]
	if !ok {
		o = &cached[struct{}]{}
		p.nodes[name] = o
	}
	return o
}

// checkReach runs the preflight for an application planned on node ("" when
// the apply chooses it). ok is false after an error diagnostic.
func (d *providerData) checkReach(ctx context.Context, node string, diags *diag.Diagnostics) (ok bool) {
	if err := d.preflight.api.run(ctx, func(ctx context.Context) error { _, err := d.client.Version(ctx); return err }); err != nil {
		addError(diags, apiFailureSummary(err), "checked before planning any change: "+err.Error(), err)
		return false
	}
	if d.nodes == nil {
		return true
	}
	nodes, err := d.sshNodes(ctx, node)
	if err != nil {
		addError(diags, "Unable to list the cluster's nodes", err.Error(), err)
		return false
	}
	for _, n := range nodes {
		err := d.preflight.node(n).run(ctx, func(ctx context.Context) error { return d.nodes.Check(ctx, n) })
		var unreachable *nodeshell.UnreachableError
		switch {
		case err == nil:
		case errors.As(err, &unreachable) && unreachable.Timeout:
			// A busy node may answer the apply; its timeout bounds the wait.
			diags.AddWarning(fmt.Sprintf("Node %s did not answer SSH", n), err.Error()+"; the apply will try again, within its timeout")
		default:
			addError(diags, fmt.Sprintf("Unable to use SSH to node %s", n), "checked before planning any change: "+err.Error(), err)
			return false
		}
	}
	return true
}

// sshNodes are the nodes whose SSH the plan needs: the node of the
// allocation file first (the host store goes through the online node with
// the most free memory), then the application's node, or where the apply
// will most likely put it when the plan does not say. A node that is not
// online is left to the plan's check of the node, which names the nodes
// there are.
func (d *providerData) sshNodes(ctx context.Context, node string) ([]string, error) {
	online, err := d.preflight.online.get(ctx, d.client.OnlineNodes)
	if err != nil || len(online) == 0 {
		return nil, err // no online node: the apply says so
	}
	if node == "" {
		node = d.settings.defaultNode
	}
	var out []string
	if d.settings.allocationStore == allocationStoreHost || node == "" {
		out = append(out, online[0])
	}
	if node != "" && slices.Contains(online, node) && !slices.Contains(out, node) {
		out = append(out, node)
	}
	return out, nil
}

// apiFailureSummary says in a few words what kept the API from answering.
func apiFailureSummary(err error) string {
	var (
		conn        *pveclient.ConnectionError
		credentials *pveclient.CredentialsError
		certificate *pveclient.CertificateError
	)
	switch {
	case errors.As(err, &conn):
		return "Cannot reach the Proxmox API"
	case errors.As(err, &credentials):
		return "Proxmox API credentials refused"
	case errors.As(err, &certificate):
		return "Untrusted Proxmox API certificate"
	}
	return "Unable to use the Proxmox API"
}

// plansChange tells a plan that creates or changes the object from one that
// keeps it: only the first needs the preflight.
func plansChange(req resource.ModifyPlanRequest) bool {
	return req.State.Raw.IsNull() || !req.Plan.Raw.Equal(req.State.Raw)
}
