package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestInterruptionNamesTheTimeoutOrTheCancel: an update or delete stopped
// by its context says which timeout ran out, as configured or its default,
// or that it was cancelled, and the step it was in; a live context adds
// nothing.
func TestInterruptionNamesTheTimeoutOrTheCancel(t *testing.T) {
	types4 := map[string]attr.Type{"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType}
	none := timeouts.Value{Object: types.ObjectNull(types4)}
	set := timeouts.Value{Object: types.ObjectValueMust(types4, map[string]attr.Value{
		"create": types.StringNull(), "read": types.StringNull(), "update": types.StringValue("90s"), "delete": types.StringNull(),
	})}
	steps := []deploy.Step{{Name: "stop", Status: "ok"}, {Name: "compose up", Status: "failed"}}
	expired, cancelExpired := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancelExpired()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range []struct {
		name string
		ctx  context.Context
		t    timeouts.Value
		op   string
		def  time.Duration
		want string
	}{
		{"configured", expired, set, "update", 20 * time.Minute,
			`. timeouts.update = 90s ran out during step "compose up"; if the update needs longer, set a longer one in the resource's timeouts block`},
		{"default", expired, none, "delete", 10 * time.Minute,
			`. timeouts.delete = 10m (the default) ran out during step "compose up"; ` +
				`if the delete needs longer, set a longer one in the resource's timeouts block`},
		{"cancelled", cancelled, set, "update", 20 * time.Minute,
			`. The update was cancelled during step "compose up"; the steps before it stay done, and the next apply plans what is left`},
		{"live", context.Background(), set, "update", 20 * time.Minute, ""},
	} {
		if got := interruption(c.ctx, c.t, c.op, c.def, steps); got != c.want {
			t.Errorf("%s:\n got %q\nwant %q", c.name, got, c.want)
		}
	}
}
