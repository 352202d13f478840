package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// TestAccApplicationGeneratedSecrets: an app whose catalog defaults are
// placeholders (gitea's DB_PASSWORD and DB_ROOT_PASSWORD, change-me-db and
// change-me-root) runs with random values of its own, recorded in
// generated_secrets: the compose file in the container holds them and no
// placeholder. They stay across an update; a value environment sets wins
// (and leaves generated_secrets); an import reads them back into
// generated_secrets, not environment; a restore into a new app keeps the
// backup's, which its database was initialised with.
func TestAccApplicationGeneratedSecrets(t *testing.T) {
	e := newSimEnv(t, "")
	// terraform import runs in a working directory of its own: it needs the
	// provider's source spelled out.
	block := rawHCL(`terraform {
  required_providers {
    proximity = { source = "proximity-project/proximity" }
  }
}
` + e.appProvider())
	git := application("git", "gitea", "git").str("node", "pve1")
	mine := git.set("secret_environment", `{ DB_ROOT_PASSWORD = "mine-root" }`)
	gitBackup := backup("git").set("application_id", "proximity_application.git.id")
	copied := application("copy", "gitea", "git-copy").str("node", "pve1").set("restore_from", "proximity_backup.git.volid")
	secret := func(key string) tfjsonpath.Path { return tfjsonpath.New("generated_secrets").AtMapKey(key) }
	dbPassword := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config(block, git),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(git.address(), tfjsonpath.New("generated_secrets"), knownvalue.MapSizeExact(2)),
					statecheck.ExpectKnownValue(git.address(), tfjsonpath.New("environment"), knownvalue.Null()),
					dbPassword.AddStateValue(git.address(), secret("DB_PASSWORD")),
					composeHoldsSecrets(e, 100, git.address(), "gitea", ""),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: config(block, mine),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(git.address(), plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(git.address(), tfjsonpath.New("generated_secrets"), knownvalue.MapSizeExact(1)),
				}, PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(git.address(), tfjsonpath.New("generated_secrets"), knownvalue.MapSizeExact(1)),
					dbPassword.AddStateValue(git.address(), secret("DB_PASSWORD")),
					composeHoldsSecrets(e, 100, git.address(), "gitea", "DB_ROOT_PASSWORD: mine-root"),
				},
			},
			{
				Config: config(block, mine), ResourceName: git.address(), ImportState: true, ImportStateId: "pve1/100",
				ImportStateVerify: true, ImportStateVerifyIgnore: []string{"password", "deployment_log", "template", "timeouts"},
			},
			{
				Config: config(block, mine, gitBackup, copied),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.CompareValuePairs(copied.address(), secret("DB_PASSWORD"), git.address(), secret("DB_PASSWORD"),
						compare.ValuesSame()),
					statecheck.ExpectKnownValue(copied.address(), secret("DB_ROOT_PASSWORD"), knownvalue.StringExact("mine-root")),
					composeHoldsSecrets(e, 101, copied.address(), "gitea", ""),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// composeHoldsSecretsFact holds when the app's compose file in the
// container has no placeholder (change-me), holds every value of the
// resource's generated_secrets, and holds want.
type composeHoldsSecretsFact struct {
	e            *testEnv
	vmid         int
	address, app string
	want         string
}

func composeHoldsSecrets(e *testEnv, vmid int, address, app, want string) composeHoldsSecretsFact {
	return composeHoldsSecretsFact{e: e, vmid: vmid, address: address, app: app, want: want}
}

func (c composeHoldsSecretsFact) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c composeHoldsSecretsFact) verify(ctx context.Context, view *stateView) error {
	secrets, err := view.attribute(c.address, "generated_secrets")
	if err != nil {
		return err
	}
	values, _ := secrets.(map[string]any)
	if len(values) == 0 {
		return fmt.Errorf("%s has no generated_secrets", c.address)
	}
	node, err := c.e.guestNode(ctx, c.vmid)
	if err != nil {
		return err
	}
	file := "/opt/proximity/" + c.app + "/compose.yaml"
	text, err := c.e.inContainer(node, c.vmid, "cat "+file)
	if err != nil {
		return err
	}
	for _, line := range strings.Split(text, "\n") {
		// Every value, by the catalog's own placeholder rule: change-me,
		// changeme, CHANGE_ME...
		_, value, _ := strings.Cut(strings.TrimSpace(line), ": ")
		if catalog.LooksLikePlaceholder(strings.Trim(value, `"'`)) {
			return fmt.Errorf("%s in CT %d holds a placeholder (%s):\n%s", file, c.vmid, strings.TrimSpace(line), text)
		}
	}
	for key, v := range values {
		if s, _ := v.(string); s == "" || !strings.Contains(text, s) {
			return fmt.Errorf("%s in CT %d lacks the generated value of %s", file, c.vmid, key)
		}
	}
	if !strings.Contains(text, c.want) {
		return fmt.Errorf("%s in CT %d lacks %q", file, c.vmid, c.want)
	}
	return nil
}
