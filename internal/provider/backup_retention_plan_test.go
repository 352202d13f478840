package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// planBackup runs the backup resource's ModifyPlan for a new backup of CT
// 150 on pve1, as Terraform does at plan, and returns its diagnostics.
// Terraform's CLI prints warnings but plugin-testing cannot assert them, so
// the plan is driven here, against the simulator, without the CLI.
func planBackup(t *testing.T, e *testEnv, storage string, protected bool) []string {
	t.Helper()
	const vmid = 150
	ctx := context.Background()
	svc := &backups.Service{Client: e.client}
	r := &backupResource{data: &providerData{client: e.client, backups: svc, apps: &deploy.Service{Client: e.client, Backups: svc}}}
	var sch resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &sch)
	m := backupModel{
		ID: types.StringUnknown(), ApplicationID: types.StringNull(), Node: types.StringValue("pve1"), VMID: types.Int64Value(int64(vmid)),
		Storage: types.StringNull(), Mode: types.StringValue("snapshot"), Compress: types.StringValue("zstd"), Notes: types.StringNull(),
		Protected: types.BoolValue(protected), VolID: types.StringUnknown(), Size: types.Int64Unknown(), Format: types.StringUnknown(),
		CreatedAt: types.StringUnknown(),
		Timeouts: timeouts.Value{Object: types.ObjectNull(map[string]attr.Type{
			"create": types.StringType, "read": types.StringType, "update": types.StringType, "delete": types.StringType,
		})},
	}
	// What Terraform sends: an unset storage is null in the configuration
	// and unknown in the plan (the attribute is computed).
	configured := m
	m.Storage = types.StringUnknown()
	if storage != "" {
		m.Storage, configured.Storage = types.StringValue(storage), types.StringValue(storage)
	}
	plan := tfsdk.Plan{Schema: sch.Schema, Raw: tftypes.NewValue(sch.Schema.Type().TerraformType(ctx), nil)}
	configRaw := plan
	if d := plan.Set(ctx, &m); d.HasError() {
		t.Fatalf("building the plan: %v", d)
	}
	if d := configRaw.Set(ctx, &configured); d.HasError() {
		t.Fatalf("building the configuration: %v", d)
	}
	noState := tfsdk.State{Schema: sch.Schema, Raw: tftypes.NewValue(sch.Schema.Type().TerraformType(ctx), nil)}
	req := resource.ModifyPlanRequest{Plan: plan, State: noState, Config: tfsdk.Config{Schema: sch.Schema, Raw: configRaw.Raw}}
	resp := resource.ModifyPlanResponse{Plan: plan}
	r.ModifyPlan(ctx, req, &resp)
	var out []string
	for _, d := range resp.Diagnostics {
		where := ""
		if a, ok := d.(interface{ Path() path.Path }); ok {
			where = a.Path().String()
		}
		out = append(out, d.Severity().String()+" "+where+": "+d.Summary()+": "+d.Detail())
	}
	return out
}

// A storage whose prune-backups would delete earlier backups of the
// container (vzdump prunes after every backup: pve-manager PVE/VZDump.pm
// exec_backup_task, "prune older backups with retention") is a warning on
// storage at plan, naming the setting and the ways out; keep-all, a
// protected backup, and a storage without retention give none.
func TestBackupPlanWarnsOfRetention(t *testing.T) {
	e := newSimEnv(t, "")
	e.createGuest("pve1", 150, plainContainer(pveclient.ContainerSettings{}))
	if got := planBackup(t, e, "", false); len(got) != 0 {
		t.Fatalf("local keeps all backups, yet the plan said %v", got)
	}
	if _, code, err := e.onNode("pve1", "pvesm set local --prune-backups keep-last=1,keep-daily=3"); err != nil || code != 0 {
		t.Fatalf("pvesm set: %d %v", code, err)
	}
	got := planBackup(t, e, "", false)
	if len(got) != 1 {
		t.Fatalf("diagnostics %v, want one warning", got)
	}
	for _, want := range []string{"Warning storage: Storage retention will delete backups", `"prune-backups keep-daily=3,keep-last=1"`,
		"CT 150", "keeps 1 for sure", "protected = true", "pvesm set local --prune-backups keep-all=1"} {
		if !strings.Contains(got[0], want) {
			t.Errorf("warning %q does not say %q", got[0], want)
		}
	}
	if got := planBackup(t, e, "local", true); len(got) != 0 {
		t.Errorf("a protected backup is never pruned, yet the plan said %v", got)
	}
	if _, code, err := e.onNode("pve1", "pvesm set local --prune-backups keep-all=1"); err != nil || code != 0 {
		t.Fatalf("pvesm set: %d %v", code, err)
	}
	if got := planBackup(t, e, "local", false); len(got) != 0 {
		t.Errorf("keep-all=1, yet the plan said %v", got)
	}
	// A storage without its own retention gets vzdump.conf's.
	siteDefaults := "pvesm set local --delete prune-backups && echo 'prune-backups: keep-last=2' > /etc/vzdump.conf"
	if _, code, err := e.onNode("pve1", siteDefaults); err != nil || code != 0 {
		t.Fatalf("vzdump.conf: %d %v", code, err)
	}
	if got := planBackup(t, e, "local", false); len(got) != 1 || !strings.Contains(got[0], `"prune-backups keep-last=2"`) {
		t.Errorf("vzdump.conf's keep-last=2: the plan said %v", got)
	}
}
