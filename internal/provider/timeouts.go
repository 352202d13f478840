package provider

import (
	"context"
	"time"

	dstimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
)

// defaultReadTimeout bounds refreshes and data sources where the
// configuration sets no read timeout: every call to PVE is also bounded by
// the client's request timeout, so a silent API never holds a plan longer.
const defaultReadTimeout = 5 * time.Minute

// withTimeout bounds an operation by the resource's configured timeout (one
// of timeouts.Value's Create, Update or Delete), or by def when none is set.
func withTimeout(
	ctx context.Context, configured func(context.Context, time.Duration) (time.Duration, diag.Diagnostics), def time.Duration, diags *diag.Diagnostics,
) (context.Context, context.CancelFunc) {
	timeout, d := configured(ctx, def)
	diags.Append(d...)
	return context.WithTimeout(ctx, timeout)
}

// dataSourceTimeout bounds a data source's read by its timeouts.read (or the
// default) and returns the configured value, which the state must repeat.
func dataSourceTimeout(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) (context.Context, context.CancelFunc, dstimeouts.Value) {
	var t dstimeouts.Value
	diags.Append(config.GetAttribute(ctx, path.Root("timeouts"), &t)...)
	timeout, d := t.Read(ctx, defaultReadTimeout)
	diags.Append(d...)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	return ctx, cancel, t
}
