package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// logAt is the path of one operation of deployment_log.
func logAt(op int) tfjsonpath.Path {
	return tfjsonpath.New("deployment_log").AtMapKey(operationKey(op))
}

// TestAccDeploymentLogOperations: deployment_log is a history of
// operations. A container stopped out of band plans one new operation,
// unknown, and keeps the create as it is; the apply records it with its
// start step. A description change is one operation with its config step;
// an update that runs no step (only timeouts change) keeps the log equal
// and plans it known.
func TestAccDeploymentLogOperations(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web")
	res := web.address()
	sameLog := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: config(block, web),
				ConfigStateChecks: []statecheck.StateCheck{
					expectOperations(res, 1, "create"),
					expectStep(res, 1, 0, "look for an unfinished deployment", "none"),
				},
			},
			{
				PreConfig: func() { e.must(e.client.ShutdownGuest(context.Background(), "pve3", 100, 30)) },
				Config:    config(block, web),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(res, logAt(2)),
					plancheck.ExpectKnownValue(res, logAt(1).AtMapKey("operation"), knownvalue.StringExact("create")),
					plancheck.ExpectKnownValue(res, logAt(1).AtMapKey("steps"), knownvalue.ListSizeExact(13)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectOperations(res, 2, "create", "update"),
					expectStepRan(res, 2, "start"),
				},
			},
			{
				Config: config(block, web.str("description", "front")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(res, logAt(3)),
					plancheck.ExpectKnownValue(res, tfjsonpath.New("ip_address"), knownvalue.NotNull()), // a description moves no address
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectOperations(res, 3, "create", "update", "update"),
					expectStep(res, 3, 0, "update config", "1 options"),
					sameLog.AddStateValue(res, tfjsonpath.New("deployment_log")),
				},
			},
			{
				Config: config(block, web.str("description", "front").set("timeouts", `{ update = "25m" }`)),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(res, tfjsonpath.New("deployment_log"), knownvalue.MapSizeExact(3)),
				}},
				ConfigStateChecks: []statecheck.StateCheck{sameLog.AddStateValue(res, tfjsonpath.New("deployment_log"))},
			},
		},
	})
}

// TestAccDeploymentLogBounded: the history keeps the last
// deploy.HistoryLimit operations; each update past it drops the oldest.
func TestAccDeploymentLogBounded(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web")
	res := web.address()
	steps := []resource.TestStep{{Config: config(block, web)}}
	for i := 1; i <= deploy.HistoryLimit; i++ {
		steps = append(steps, resource.TestStep{Config: config(block, web.str("description", fmt.Sprintf("update %d", i)))})
	}
	last := deploy.HistoryLimit + 1
	names := make([]string, deploy.HistoryLimit)
	for i := range names {
		names[i] = "update"
	}
	steps[len(steps)-1].ConfigPlanChecks = resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		// The oldest goes; the new operation, unknown, is only in the plan's
		// after_unknown, so the known part has one less.
		plancheck.ExpectUnknownValue(res, logAt(last)),
		plancheck.ExpectKnownValue(res, tfjsonpath.New("deployment_log"), knownvalue.MapSizeExact(deploy.HistoryLimit-1)),
	}}
	steps[len(steps)-1].ConfigStateChecks = []statecheck.StateCheck{
		expectOperations(res, last, names...),
		statecheck.ExpectKnownValue(res, tfjsonpath.New("deployment_log"), knownvalue.MapSizeExact(deploy.HistoryLimit)),
	}
	resource.Test(t, resource.TestCase{ProtoV6ProviderFactories: providerFactories, Steps: steps})
}

// TestAccDeploymentLogUnknownConfiguration: a description that is not known
// at plan time (another resource is replaced) plans the log unknown as a
// whole, and the final plan at apply decides: the same description runs no
// step and keeps the log, a new one adds the operation. Planning one new
// operation instead would make Terraform refuse the final plan of the
// first case as inconsistent.
func TestAccDeploymentLogUnknownConfiguration(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	source := func(trigger, input string) rawHCL {
		return rawHCL(fmt.Sprintf("resource \"terraform_data\" \"text\" {\n  triggers_replace = %q\n  input = %q\n}\n", trigger, input))
	}
	web := application("web", "nginx", "web").set("description", "terraform_data.text.output")
	res := web.address()
	sameLog := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:            config(block, source("1", "front"), web),
				ConfigStateChecks: []statecheck.StateCheck{sameLog.AddStateValue(res, tfjsonpath.New("deployment_log"))},
			},
			{
				Config: config(block, source("2", "front"), web),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(res, tfjsonpath.New("deployment_log")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{sameLog.AddStateValue(res, tfjsonpath.New("deployment_log"))},
			},
			{
				Config: config(block, source("3", "back"), web),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectUnknownValue(res, tfjsonpath.New("deployment_log")),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectOperations(res, 2, "create", "update"),
					expectStepRan(res, 2, "update config"),
				},
			},
		},
	})
}

// TestAccDeploymentLogFailedUpdate: an update that fails is recorded, with
// the step that failed, in a state that otherwise keeps what it had; the
// next apply runs the update again as a new operation.
func TestAccDeploymentLogFailedUpdate(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web")
	res := web.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: config(block, web)},
			{
				PreConfig: func() {
					e.must(e.client.ShutdownGuest(context.Background(), "pve3", 100, 30))
					e.must(e.sim.SetFaults("taskfail:vzstart=1|startup for container '100' failed"))
				},
				Config:      config(block, web),
				ExpectError: errorLike(`startup for container '100' failed`),
			},
			{
				PreConfig: func() { e.must(e.sim.SetFaults("")) },
				Config:    config(block, web),
				ConfigStateChecks: []statecheck.StateCheck{
					expectOperations(res, 3, "create", "update", "update"),
					expectOperationStatus(res, 2, "failed"),
					expectStepMatching(res, 2, `^start: failed in \d+ ms: .*startup for container '100' failed`),
					expectOperationStatus(res, 3, "ok"),
					expectStepRan(res, 3, "start"),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("status"), knownvalue.StringExact("running")),
				},
			},
		},
	})
}
