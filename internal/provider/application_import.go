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

// ImportState takes node/vmid. A Proximity container brings its catalog id
// and ports back from its tags; any other container comes in without an app,
// which the configuration's catalog_id then deploys into it.
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
	set := func(name string, v any) { resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), v)...) }
	set("id", req.ID)
	set("node", node)
	set("vmid", int64(vmid))
	set("hostname", o.Hostname)
	set("bridge", o.Bridge)
	set("storage", o.Storage)
	set("status", "running") // Read, which follows, sets what it is
	set("deployment_log", types.ListValueMust(stepType, nil))
	if o.CatalogID == "" {
		// A container Proximity did not create: the configuration names the
		// app, and the next apply deploys it into the container in place.
		set("catalog_id", "")
		set("allocation_id", "")
		set("public_port", int64(0))
		set("internal_port", int64(0))
		resp.Diagnostics.AddWarning("Container without an app",
			fmt.Sprintf("CT %d on %s was not created by Proximity. Set catalog_id (and the app's settings) in the configuration: "+
				"the next apply deploys that app into this container, with ports, Docker and the compose project, and the plan shows every change.", vmid, node))
		return
	}
	writeIdentity(ctx, resp.Private, o.Identity, &resp.Diagnostics)
	alloc, err := r.data.ports.Adopt(ctx, o.Hostname, o.PublicPort, o.InternalPort)
	if err != nil {
		resp.Diagnostics.AddError("Unable to record the application's ports", err.Error())
		return
	}
	set("catalog_id", o.CatalogID)
	set("public_port", int64(o.PublicPort))
	set("internal_port", int64(o.InternalPort))
	set("allocation_id", alloc.ID)
}
