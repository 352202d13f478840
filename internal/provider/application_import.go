package provider

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ImportState takes node/vmid; a Proximity container brings its catalog id and ports back from its tags.
func (r *applicationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	node, vmidText, ok := strings.Cut(req.ID, "/")
	vmid, err := strconv.Atoi(vmidText)
	if !ok || err != nil || node == "" {
		resp.Diagnostics.AddError("Invalid import id", fmt.Sprintf("import an application as node/vmid, for example pve2/123; got %q", req.ID))
		return
	}
	o, err := r.deps().Observe(ctx, node, vmid)
	if err != nil || o.Gone {
		resp.Diagnostics.AddError("Unable to import the application", fmt.Sprintf("no container %d on node %s (%v)", vmid, node, err))
		return
	}
	if o.CatalogID == "" {
		resp.Diagnostics.AddError("Not a Proximity container", fmt.Sprintf("CT %d on %s has no px-app-<catalog id> tag; only containers Proximity created can be imported for now", vmid, node))
		return
	}
	alloc, err := r.data.ports.Adopt(ctx, o.Hostname, o.PublicPort, o.InternalPort)
	if err != nil {
		resp.Diagnostics.AddError("Unable to record the application's ports", err.Error())
		return
	}
	set := func(name string, v any) { resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...) }
	set("id", req.ID)
	set("node", node)
	set("vmid", int64(vmid))
	set("catalog_id", o.CatalogID)
	set("hostname", o.Hostname)
	set("public_port", int64(o.PublicPort))
	set("internal_port", int64(o.InternalPort))
	set("allocation_id", alloc.ID)
	set("bridge", o.Bridge)
	set("status", "running")
	set("deployment_log", types.ListValueMust(stepType, nil))
}
