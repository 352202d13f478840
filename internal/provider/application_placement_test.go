package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccApplicationDefaultTemplate: on a fresh node of each release the
// default template is the newest Alpine of the release's index (both list
// Alpine 3.21 and 3.22), the one a fresh node already holds; once it is
// gone from the node, the next app downloads it again from the index
// (POST /nodes/{node}/aplinfo) rather than falling back to what is left.
func TestAccApplicationDefaultTemplate(t *testing.T) {
	requireAcc(t)
	const alpine = "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"
	for _, release := range []string{"8.4", "9.1"} {
		t.Run(release, func(t *testing.T) {
			e := newEnv(t, pvesim.Options{PVEVersion: release})
			first := application("a", "nginx", "first").str("node", "pve1").num("memory", 128)
			second := application("b", "nginx", "second").str("node", "pve1").num("memory", 128)
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{{
					Config: config(rawHCL(e.appProvider()), first),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(first.address(), tfjsonpath.New("template"), knownvalue.StringExact(alpine)),
						expectRequests(e, "POST /nodes/{node}/aplinfo", knownvalue.Int64Exact(0)),
					},
				}, {
					PreConfig: func() { e.must(e.client.DeleteVolume(context.Background(), "pve1", "local", alpine)) },
					Config:    config(rawHCL(e.appProvider()), first, second),
					ConfigStateChecks: []statecheck.StateCheck{
						statecheck.ExpectKnownValue(second.address(), tfjsonpath.New("template"), knownvalue.StringExact(alpine)),
						statecheck.ExpectKnownValue(second.address(), tfjsonpath.New("status"), knownvalue.StringExact("running")),
						expectRequests(e, "POST /nodes/{node}/aplinfo", knownvalue.Int64Exact(1)),
					},
				}},
				CheckDestroy: e.nothingLeft(),
			})
		})
	}
}

// TestAccApplicationPlanRefusesPlacement: an unsupported template release
// and a bridge the node lacks fail the plan on their attribute, before
// anything is created; a container on a missing bridge would be created
// and then not start (pve-container src/lxcnetaddbr).
func TestAccApplicationPlanRefusesPlacement(t *testing.T) {
	e := newEnv(t, pvesim.Options{})
	cases := []struct {
		name string
		app  hclBlock
		want string
	}{
		{"an unsupported release", application("x", "nginx", "web").str("template", "local:vztmpl/debian-11-standard_11.7-1_amd64.tar.zst"),
			`template local:vztmpl/debian-11-standard_11.7-1_amd64.tar.zst is Debian 11, which the provider does not support; ` +
				`supported: Alpine 3.21 or later, Debian 13, Debian 12, Ubuntu 24.04`},
		{"a template of no release", application("x", "nginx", "web").str("template", "local:vztmpl/custom.tar.gz"),
			`does not name its release`},
		{"a bridge the node lacks", application("x", "nginx", "web").str("node", "pve2").str("bridge", "vmbr7"),
			`Bridge not on the node .* node pve2 has no bridge "vmbr7", and a container on a missing bridge does not start \(pve2 has vmbr0\)`},
		{"a bridge no node has", application("x", "nginx", "web").str("bridge", "vmbr7"),
			`no online node has bridge "vmbr7"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{
					{Config: config(rawHCL(e.appProvider()), tc.app), PlanOnly: true, ExpectError: errorLike(tc.want)},
				},
			})
		})
	}
	if st := e.sim.Stats(); st.Tasks["vzcreate"] != 0 || st.Tasks["download"] != 0 {
		t.Errorf("the refused plans started tasks: %v", st.Tasks)
	}
}
