package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// A refresh writes nothing, so what it finds to repair waits in the
// resource's private state (Terraform's, not PVE's) for the plan to show
// and the apply to do: a container that is gone (goneKey), and Proximity's
// own tags removed out of band or a deploying mark left behind (ownTagsKey).

const (
	goneKey    = "gone"
	ownTagsKey = "own_tags"
)

// ownTagsSeen is what the last refresh found of Proximity's own tags.
type ownTagsSeen struct {
	Missing   []string `json:"missing,omitempty"`   // tags the app carries and the container lacks
	Deploying bool     `json:"deploying,omitempty"` // the container still carries the deploying mark
}

func writeGone(ctx context.Context, p privateWriter, gone bool, diags *diag.Diagnostics) {
	writeFlag(ctx, p, goneKey, gone, diags)
}

func readGone(ctx context.Context, p privateReader, diags *diag.Diagnostics) bool {
	return readFlag(ctx, p, goneKey, diags)
}

func writeOwnTags(ctx context.Context, p privateWriter, seen ownTagsSeen, diags *diag.Diagnostics) {
	var value []byte
	if len(seen.Missing) > 0 || seen.Deploying {
		value, _ = json.Marshal(seen)
	}
	diags.Append(p.SetKey(ctx, ownTagsKey, value)...)
}

func readOwnTags(ctx context.Context, p privateReader, diags *diag.Diagnostics) ownTagsSeen {
	var seen ownTagsSeen
	raw, d := p.GetKey(ctx, ownTagsKey)
	diags.Append(d...)
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &seen); err != nil {
			diags.AddError("Unreadable private state", fmt.Sprintf("the application's own tags in the private state do not parse: %v", err))
		}
	}
	return seen
}

// repairOwnTags asks deploy's rule (Change.RepairOwnTags) whether the
// update rewrites the container's tags for what the refresh found of
// Proximity's own. The plan (planRepairs) and the apply (applyRepairs)
// both call it with the same private state, so they agree on whether the
// update runs steps. It returns what the refresh found.
func repairOwnTags(ctx context.Context, p privateReader, c *deploy.Change, plan applicationModel, diags *diag.Diagnostics) deploy.OwnTagRepair {
	seen := readOwnTags(ctx, p, diags)
	found := deploy.OwnTagRepair{Missing: seen.Missing, Deploying: seen.Deploying}
	c.RepairOwnTags(found, nonNil(stringSet(ctx, plan.Tags, diags)))
	return found
}

// applyOwnTagRepair is repairOwnTags in the apply; once the update rewrites
// the tags, the private state no longer asks for it.
func applyOwnTagRepair(ctx context.Context, from privateReader, to privateWriter, c *deploy.Change, plan applicationModel, diags *diag.Diagnostics) {
	if repairOwnTags(ctx, from, c, plan, diags); c.Tags != nil {
		writeOwnTags(ctx, to, ownTagsSeen{}, diags)
	}
}

// applyRepairs is what the apply repairs with the update, as planned
// (planRepairs): a rename left unfinished, then Proximity's own tags (a
// resumed rename runs steps, which the deploying mark rides along).
func applyRepairs(ctx context.Context, from privateReader, to privateWriter, c *deploy.Change, plan applicationModel, diags *diag.Diagnostics) {
	resumeRename(ctx, from, c, diags)
	applyOwnTagRepair(ctx, from, to, c, plan, diags)
}

// planRepairs is applyRepairs in the plan, with a warning for what the
// apply repairs, and the check that PVE lets the identity write the tags
// it repairs or moves (deploy's Change.OwnTagWrite).
func (r *applicationResource) planRepairs(ctx context.Context, req resource.ModifyPlanRequest, c *deploy.Change, plan applicationModel,
	resp *resource.ModifyPlanResponse) {
	if from := resumeRename(ctx, req.Private, c, &resp.Diagnostics); c.RenamedFrom != "" {
		resp.Diagnostics.AddWarning("An unfinished rename to be finished",
			fmt.Sprintf("CT %d on %s has the hostname %s in its config, but the running container is still named %s: a previous apply "+
				"failed in the middle of the rename. This apply renames it inside.", plan.VMID.ValueInt64(), plan.Node.ValueString(),
				c.NewHostname, from))
	}
	found := repairOwnTags(ctx, req.Private, c, plan, &resp.Diagnostics)
	if len(found.Missing) > 0 {
		resp.Diagnostics.AddWarning("Proximity's tags to be restored",
			fmt.Sprintf("CT %d on %s lacks %s, removed out of band; Proximity finds its apps and their ports by these tags. "+
				"This apply puts them back.", plan.VMID.ValueInt64(), plan.Node.ValueString(), strings.Join(found.Missing, ", ")))
	}
	at := path.Empty()
	if c.Ports != nil {
		at = path.Root("port_allocation_id")
	}
	accessAllowed(&resp.Diagnostics, at, r.data.apps.CheckTags(ctx, c.OwnTagWrite(found)))
}

// planGone plans the replacement of an application whose container the
// refresh found gone, or someone else's guest (forget): its vmid is
// unknown and forces replacement, so the apply destroys it (Delete releases
// its ports and touches no guest that is not the app's) and creates it
// anew.
func (r *applicationResource) planGone(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.State.Raw.IsNull() || req.Plan.Raw.IsNull() || !readGone(ctx, req.Private, &resp.Diagnostics) {
		return
	}
	planGoneReplacement(ctx, req.Config, resp) // vmid unknown, or id with a configured vmid (application_boot.go)
}
