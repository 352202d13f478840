package provider

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccApplicationV1CatalogPlaceholders: an app of a Proximity 1.0
// catalog loaded through catalog_paths (catalog/testdata/v1-placeholders),
// whose environment defaults are change-me-please and changeme and which
// lists no secrets, runs with random values of its own: generated_secrets
// holds both, the compose file in the container holds them and neither
// placeholder, and they stay when an update changes another key. A value the
// configuration sets wins. Before, such an app deployed its placeholders.
func TestAccApplicationV1CatalogPlaceholders(t *testing.T) {
	e := newSimEnv(t, "")
	dir, err := filepath.Abs(filepath.Join("..", "..", "catalog", "testdata", "v1-placeholders"))
	if err != nil {
		t.Fatal(err)
	}
	block := rawHCL(e.appProvider(withCatalogPaths(dir)))
	notes := application("notes", "notes", "notes").str("node", "pve1")
	paris := notes.set("environment", `{ TZ = "Europe/Paris" }`)
	mine := notes.set("environment", `{ TZ = "Europe/Paris", ADMIN_PASSWORD = "mine-admin" }`)
	secret := func(key string) tfjsonpath.Path { return tfjsonpath.New("generated_secrets").AtMapKey(key) }
	dbPassword := statecheck.CompareValue(compare.ValuesSame())
	compose := "cat /opt/proximity/notes/compose.yaml"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config(block, notes),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(notes.address(), tfjsonpath.New("generated_secrets"), knownvalue.MapSizeExact(2)),
					dbPassword.AddStateValue(notes.address(), secret("DB_PASSWORD")),
					composeHoldsSecrets(e, 100, notes.address(), "notes", "TZ: UTC"),
					expectInContainer(e, 100, compose, lacking("changeme")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: config(block, paris),
				ConfigStateChecks: []statecheck.StateCheck{
					dbPassword.AddStateValue(notes.address(), secret("DB_PASSWORD")),
					composeHoldsSecrets(e, 100, notes.address(), "notes", "TZ: Europe/Paris"),
					expectInContainer(e, 100, compose, lacking("changeme")),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
			{
				Config: config(block, mine),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(notes.address(), tfjsonpath.New("generated_secrets"), knownvalue.MapSizeExact(1)),
					dbPassword.AddStateValue(notes.address(), secret("DB_PASSWORD")),
					composeHoldsSecrets(e, 100, notes.address(), "notes", "ADMIN_PASSWORD: mine-admin"),
				},
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
			},
		},
	})
}

// lacking is a knownvalue check that a string does not contain s, in any
// case.
func lacking(s string) knownvalue.Check { return lackingCheck(s) }

type lackingCheck string

func (l lackingCheck) CheckValue(v any) error {
	text, ok := v.(string)
	if !ok {
		return fmt.Errorf("expected a string, got %T", v)
	}
	if strings.Contains(strings.ToLower(text), strings.ToLower(string(l))) {
		return fmt.Errorf("%q holds %q:\n%s", "output", string(l), text)
	}
	return nil
}

func (l lackingCheck) String() string { return fmt.Sprintf("lacking %q", string(l)) }
