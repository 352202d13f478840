package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccServicesUnreadableOverSSHDoNotFailThePlan: the API answers and
// the nodes' SSH refuses the provider (a reinstalled node's new key, a CI
// plan job without SSH access): the refresh goes on without the services,
// with a warning, and the plan is empty, where it failed every plan (and
// every destroy that refreshes) of the node's apps before.
func TestAccServicesUnreadableOverSSHDoNotFailThePlan(t *testing.T) {
	e := newSimEnv(t, "")
	web := application("web", "nginx", "web")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{Config: config(rawHCL(e.appProvider()), web)},
			{Config: config(rawHCL(e.appProvider(withSSHKey(strangerKeyPEM(t)))), web), PlanOnly: true},
			{Config: config(rawHCL(e.appProvider()), web), PlanOnly: true},
		},
	})
}
