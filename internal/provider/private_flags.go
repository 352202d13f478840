package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// writeFlag keeps a yes/no finding of a refresh in a resource's private
// state (Terraform's own, so a refresh may write it), for the plan to show
// and the next apply to act on; false removes the key.
func writeFlag(ctx context.Context, p privateWriter, key string, on bool, diags *diag.Diagnostics) {
	var value []byte // none: the key is removed
	if on {
		value = []byte("true")
	}
	diags.Append(p.SetKey(ctx, key, value)...)
}

// readFlag reads a flag writeFlag kept.
func readFlag(ctx context.Context, p privateReader, key string, diags *diag.Diagnostics) bool {
	raw, d := p.GetKey(ctx, key)
	diags.Append(d...)
	return string(raw) == "true"
}
