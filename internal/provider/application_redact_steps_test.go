package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestDeploymentLogShowsNoSecret: a step whose message quotes the app's
// logs, which printed a configured secret and a generated one, goes into
// deployment_log (shown in plans) with both replaced; the other steps and
// the rest of the message stay as they were.
func TestDeploymentLogShowsNoSecret(t *testing.T) {
	plan := applicationModel{
		SecretEnvironment: types.MapValueMust(types.StringType, map[string]attr.Value{"ADMIN_PASSWORD": types.StringValue("hunter2-admin")}),
		GeneratedSecrets:  types.MapNull(types.StringType),
	}
	generated := map[string]string{"DB_PASSWORD": "0123456789abcdef"}
	steps := []deploy.Step{
		{Name: "compose up", Status: "ok", Message: "3 services"},
		{Name: "check services", Status: "failed", Message: "web exited: login hunter2-admin refused by db (password 0123456789abcdef)"},
	}
	got := redactSteps(steps, createdSecretValues(t.Context(), plan, generated))
	want := "web exited: login (sensitive value) refused by db (password (sensitive value))"
	if got[1].Message != want || got[0].Message != "3 services" {
		t.Errorf("messages %q, %q; want %q", got[0].Message, got[1].Message, want)
	}
	if steps[1].Message == want {
		t.Error("redactSteps changed its input")
	}
}
