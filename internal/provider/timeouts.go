package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	dstimeouts "github.com/hashicorp/terraform-plugin-framework-timeouts/datasource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
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

// interruption words an operation (update or delete) that its context
// stopped: which timeout ran out, as the configuration writes it or its
// default ("timeouts.update = 20m (the default)"), or that it was
// cancelled, and during which step; "" when the context is live and the
// failure is the operation's own. It is appended to the error's detail. A
// create says the same through deploy.InterruptedError (timeoutRanOut).
func interruption(ctx context.Context, t timeouts.Value, op string, def time.Duration, steps []deploy.Step) string {
	during := ""
	if n := len(steps); n > 0 && steps[n-1].Status == "failed" {
		during = fmt.Sprintf(" during step %q", steps[n-1].Name)
	}
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Sprintf(". timeouts.%s = %s ran out%s; if the %s needs longer, set a longer one in the resource's timeouts block",
			op, configuredTimeout(t, op, def), during, op)
	case errors.Is(ctx.Err(), context.Canceled):
		return fmt.Sprintf(". The %s was cancelled%s; the steps before it stay done, and the next apply plans what is left", op, during)
	}
	return ""
}

// configuredTimeout is a timeouts block's value for op as written ("45m"),
// else its default followed by "(the default)".
func configuredTimeout(t timeouts.Value, op string, def time.Duration) string {
	if !t.IsNull() && !t.IsUnknown() {
		if v, ok := t.Attributes()[op].(types.String); ok && !v.IsNull() && !v.IsUnknown() {
			return v.ValueString()
		}
	}
	return shortDuration(def) + " (the default)"
}

// shortDuration writes a duration as a timeouts block would: 30m, 1h30m.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
