package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"go.yaml.in/yaml/v3"
)

// TestAccApplicationEnvironmentReachesOnlyItsReaders: in the compose file
// Nextcloud runs with, Redis, whose definition names no variable, gets none
// of the app's passwords; the database gets DB_PASSWORD, which it reads, and
// not the admin password; a key no service reads (the user's TZ) goes to
// the main service alone. Before, every key reached every service.
func TestAccApplicationEnvironmentReachesOnlyItsReaders(t *testing.T) {
	e := newSimEnv(t, "")
	cloud := application("cloud", "nextcloud", "cloud").str("node", "pve1").set("environment", `{ TZ = "Europe/Paris" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config(rawHCL(e.appProvider()), cloud),
			ConfigStateChecks: []statecheck.StateCheck{
				serviceEnvironment{e: e, vmid: 100, file: "/opt/proximity/nextcloud/compose.yaml", want: map[string]map[string]bool{
					"redis":     {"DB_PASSWORD": false, "DB_ROOT_PASSWORD": false, "NEXTCLOUD_ADMIN_PASSWORD": false, "TZ": false},
					"db":        {"DB_PASSWORD": true, "NEXTCLOUD_ADMIN_PASSWORD": false, "TZ": false},
					"nextcloud": {"DB_PASSWORD": true, "NEXTCLOUD_ADMIN_PASSWORD": true, "TZ": true},
				}},
			},
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
		}},
	})
}

// serviceEnvironment holds when each service of the compose file in the
// container has (true) or lacks (false) each named variable in its
// environment.
type serviceEnvironment struct {
	e    *testEnv
	vmid int
	file string
	want map[string]map[string]bool
}

func (c serviceEnvironment) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c serviceEnvironment) verify(ctx context.Context, _ *stateView) error {
	node, err := c.e.guestNode(ctx, c.vmid)
	if err != nil {
		return err
	}
	text, err := c.e.inContainer(node, c.vmid, "cat "+c.file)
	if err != nil {
		return err
	}
	var doc struct {
		Services map[string]struct {
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal([]byte(text), &doc); err != nil {
		return fmt.Errorf("%s in CT %d: %w", c.file, c.vmid, err)
	}
	for service, keys := range c.want {
		for key, want := range keys {
			if _, has := doc.Services[service].Environment[key]; has != want {
				return fmt.Errorf("%s in CT %d: service %s has %s: %v, want %v", c.file, c.vmid, service, key, has, want)
			}
		}
	}
	return nil
}
