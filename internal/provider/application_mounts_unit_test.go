package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestSetMountsKeepsTheStateOrder: a read lists mount points and devices in
// the state's order (by path), those the state lacks after them in key
// order; none found keeps a null list null, so an app without mount points
// plans nothing.
func TestSetMountsKeepsTheStateOrder(t *testing.T) {
	ctx := context.Background()
	var diags diag.Diagnostics
	state := applicationMounts{MountPoints: mountPointsList([]mountPointModel{
		{Path: types.StringValue("/media/"), HostPath: types.StringValue("/srv"), SizeGB: types.Int64Null(), Storage: types.StringNull(),
			Backup: types.BoolValue(false), ReadOnly: types.BoolValue(false)},
		{Path: types.StringValue("/data"), SizeGB: types.Int64Value(2), Storage: types.StringValue("local-lvm"), HostPath: types.StringNull(),
			Backup: types.BoolValue(true), ReadOnly: types.BoolValue(false)},
	}, &diags), Devices: types.ListNull(deviceType)}
	state.setMounts(ctx, deploy.Observed{MountPoints: []deploy.MountPoint{
		{Path: "/data", Storage: "local-lvm", SizeGB: 4, Backup: true},
		{Path: "/media", HostPath: "/srv"},
		{Path: "/other", HostPath: "/srv/other"},
	}}, &diags)
	got := mountPoints(ctx, state.MountPoints, &diags)
	if diags.HasError() || len(got) != 3 || got[0].Path != "/media/" || got[1].Path != "/data" || got[1].SizeGB != 4 || got[2].Path != "/other" {
		t.Fatalf("mount points %+v, %v", got, diags)
	}
	if !state.Devices.IsNull() {
		t.Errorf("no devices found made devices %v, want null", state.Devices)
	}
	none := applicationMounts{MountPoints: types.ListNull(mountPointType), Devices: types.ListNull(deviceType)}
	none.setMounts(ctx, deploy.Observed{}, &diags)
	if !none.MountPoints.IsNull() {
		t.Errorf("no mount points made %v, want null", none.MountPoints)
	}
}
