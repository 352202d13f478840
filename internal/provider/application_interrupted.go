package provider

import (
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// createFailureSummary tells a create the user stopped, and one that ran out
// of time, from one that failed: the first leaves its container for the
// next apply to resume, the others are replaced.
func createFailureSummary(err error) string {
	var stopped *deploy.InterruptedError
	switch {
	case !errors.As(err, &stopped):
		return "Unable to deploy the application"
	case stopped.Cancelled:
		return "Deployment of the application cancelled"
	default:
		return "Deployment of the application timed out"
	}
}

// timeoutRanOut names the timeout that stopped an operation, as the
// configuration writes it ("timeouts.create = 30m"), and what to do about
// it; "" for any other error. op is the timeouts block's attribute, def its
// default.
func timeoutRanOut(err error, t timeouts.Value, op string, def time.Duration) string {
	var stopped *deploy.InterruptedError
	if !errors.As(err, &stopped) || stopped.Cancelled {
		return ""
	}
	return fmt.Sprintf(". timeouts.%s = %s ran out; if the deployment needs longer, set a longer one in the resource's timeouts block",
		op, configuredTimeout(t, op, def))
}
