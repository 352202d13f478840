package provider

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestTimeoutRanOutNamesTheTimeout: a create that ran out of time names the
// timeout as the configuration writes it, or its default; a cancel and any
// other failure name none.
func TestTimeoutRanOutNamesTheTimeout(t *testing.T) {
	timedOut := fmt.Errorf("deploying: %w", &deploy.InterruptedError{Step: "check services", Err: context.DeadlineExceeded})
	none := timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{"create": types.StringType})}
	set := timeouts.Value{Object: types.ObjectValueMust(map[string]attr.Type{"create": types.StringType},
		map[string]attr.Value{"create": types.StringValue("45m")})}
	const advice = "; if the deployment needs longer, set a longer one in the resource's timeouts block"
	for _, c := range []struct {
		err  error
		t    timeouts.Value
		want string
	}{
		{timedOut, none, ". timeouts.create = 30m (the default) ran out" + advice},
		{timedOut, set, ". timeouts.create = 45m ran out" + advice},
		{&deploy.InterruptedError{Cancelled: true, Err: context.Canceled}, none, ""},
		{errors.New("boom"), none, ""},
	} {
		if got := timeoutRanOut(c.err, c.t, "create", 30*time.Minute); got != c.want {
			t.Errorf("timeoutRanOut(%v) = %q, want %q", c.err, got, c.want)
		}
	}
	if got := shortDuration(90 * time.Minute); got != "1h30m" {
		t.Errorf("shortDuration = %q", got)
	}
	if got := shortDuration(2 * time.Hour); got != "2h" {
		t.Errorf("shortDuration = %q", got)
	}
}
