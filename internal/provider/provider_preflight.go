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
// not a container left behind by a failed apply. Each check runs once per
// provider process: a plan of fifty applications makes one API call and
// one SSH handshake per node, and the SSH connection stays for the apply.
type preflight struct {
	api    once
	online onceValue[[]string]
	mu     sync.Mutex // guards nodes
	nodes  map[string]*once
}

// once is a check run by its first caller, whose result the others share.
type once struct {
	do  sync.Once
	err error
}

func (o *once) run(check func() error) error {
	o.do.Do(func() { o.err = check() })
	return o.err
}

type onceValue[T any] struct {
	do  sync.Once
	v   T
	err error
}

func (o *onceValue[T]) get(fetch func() (T, error)) (T, error) {
	o.do.Do(func() { o.v, o.err = fetch() })
	return o.v, o.err
}

func (p *preflight) node(name string) *once {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.nodes == nil {
		p.nodes = map[string]*once{}
	}
	o, ok := p.nodes[name]
	if !ok {
		o = &once{}
		p.nodes[name] = o
	}
	return o
}

// checkReach runs the preflight for an application planned on node ("" when
// the apply chooses it). ok is false after an error diagnostic.
func (d *providerData) checkReach(ctx context.Context, node string, diags *diag.Diagnostics) (ok bool) {
	if err := d.preflight.api.run(func() error { _, err := d.client.Version(ctx); return err }); err != nil {
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
		err := d.preflight.node(n).run(func() error { return d.nodes.Check(ctx, n) })
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
	online, err := d.preflight.online.get(func() ([]string, error) { return d.client.OnlineNodes(ctx) })
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
