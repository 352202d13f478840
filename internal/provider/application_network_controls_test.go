package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccApplicationNetworkControls creates an app with every network
// control set, reads them back as PVE stores them, changes each in place
// (the container and its VMID stay), puts back a change made out of band
// with pct set, and imports the app with the same values, on both
// releases (their net0 and DNS schemas are the same).
func TestAccApplicationNetworkControls(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		t.Run(release, func(t *testing.T) { networkControls(t, release) })
	}
}

func networkControls(t *testing.T, release string) {
	e := newEnv(t, pvesim.Options{PVEVersion: release})
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1").
		num("vlan_tag", 10).str("mac_address", "02:AB:CD:00:11:22").set("firewall", "true").num("mtu", 1400).
		set("ipv6_config", `{ address = "2001:db8::10/64", gateway = "2001:db8::1" }`).
		set("dns", `{ servers = ["1.1.1.1", "2606:4700:4700::1111"], domain = "example.com,corp.example" }`)
	changed := application("web", "nginx", "web").str("node", "pve1").
		num("vlan_tag", 20).str("mac_address", "02:AB:CD:00:11:33").
		set("ipv6_config", `{ address = "auto" }`).set("dns", `{ servers = ["9.9.9.9"] }`)
	res := web.address()
	net0 := func(want string) statecheck.StateCheck {
		return expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{"net0": knownvalue.StringExact(want)})
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{
				Config:           config(block, web),
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{
					net0("name=eth0,bridge=vmbr0,firewall=1,gw6=2001:db8::1,hwaddr=02:AB:CD:00:11:22,ip=dhcp,ip6=2001:db8::10/64,mtu=1400,tag=10,type=veth"),
					expectContainerConfig(e, "pve1", 100, map[string]knownvalue.Check{
						"nameserver": knownvalue.StringExact("1.1.1.1 2606:4700:4700::1111"), "searchdomain": knownvalue.StringExact("example.com corp.example")}),
					// PVE's pre-start hook wrote them into the container (set_dns).
					expectInContainer(e, 100, "cat /etc/resolv.conf", knownvalue.StringExact(
						"# --- BEGIN PVE ---\nsearch example.com corp.example\nnameserver 1.1.1.1\nnameserver 2606:4700:4700::1111\n# --- END PVE ---")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("mac_address"), knownvalue.StringExact("02:AB:CD:00:11:22")),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("firewall"), knownvalue.Bool(true)),
				},
			},
			{
				Config:           config(block, changed),
				ConfigPlanChecks: inPlaceChecks(res),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(res, tfjsonpath.New("vmid"), knownvalue.Int64Exact(100)),
					net0("name=eth0,bridge=vmbr0,hwaddr=02:AB:CD:00:11:33,ip=dhcp,ip6=auto,tag=20,type=veth"),
					// A running container's DNS waits for its next start:
					// PVE keeps it pending, and drops the search domain there.
					expectNodeFile(e, "pve1", "/etc/pve/lxc/100.conf", regexpCheck(`(?s)\[pve:pending\]\n.*nameserver: 9\.9\.9\.9\n`)),
					expectNodeFile(e, "pve1", "/etc/pve/lxc/100.conf", regexpCheck(`(?s)\[pve:pending\]\ndelete: searchdomain\n`)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("firewall"), knownvalue.Bool(false)),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("mtu"), knownvalue.Null()),
					statecheck.ExpectKnownValue(res, tfjsonpath.New("dns"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"servers": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("9.9.9.9")}), "domain": knownvalue.Null()})),
				},
			},
			{
				// Changed out of band: the plan shows it and the apply puts
				// the configuration back, in place.
				PreConfig: func() {
					e.pveumOK("pct set 100 --net0 name=eth0,bridge=vmbr0,hwaddr=02:AB:CD:00:11:33,ip=dhcp,tag=30,firewall=1,mtu=1280 " +
						"--nameserver 8.8.8.8 --searchdomain other.example")
				},
				Config: config(block, changed),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(res, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(res, tfjsonpath.New("vlan_tag"), knownvalue.Int64Exact(20)),
					},
					PostApplyPostRefresh: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					net0("name=eth0,bridge=vmbr0,hwaddr=02:AB:CD:00:11:33,ip=dhcp,ip6=auto,tag=20,type=veth"),
					expectNodeFile(e, "pve1", "/etc/pve/lxc/100.conf", regexpCheck(`(?s)\[pve:pending\]\n.*nameserver: 9\.9\.9\.9\n`)),
				},
			},
			importVerify(res),
		},
	})
}

// TestAccApplicationNetworkControlsValidation: values PVE's schema refuses
// fail at plan, naming the attribute, before anything is created.
func TestAccApplicationNetworkControlsValidation(t *testing.T) {
	e := newSimEnv(t, "")
	block := rawHCL(e.appProvider())
	web := application("web", "nginx", "web").str("node", "pve1")
	bad := func(b hclBlock, pattern string) resource.TestStep {
		return resource.TestStep{Config: config(block, b), PlanOnly: true, ExpectError: errorLike(pattern)}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			bad(web.num("vlan_tag", 4095), `vlan_tag value must be between 1 and 4094, got: 4095`),
			bad(web.str("mac_address", "01:00:5E:00:00:01"), `"01:00:5E:00:00:01" does not look like a valid unicast MAC address`),
			bad(web.str("mac_address", "BC:24:11:AA:BB"), `"BC:24:11:AA:BB" does not look like a valid unicast MAC address`),
			bad(web.num("mtu", 63), `mtu value must be between 64 and 65535, got: 63`),
			// Above vmbr0's 1500 on pve1: PVE would refuse it (update_pct_config).
			bad(web.num("mtu", 9000), `mtu 9000 is above the MTU of bridge vmbr0 on node pve1 \(1500\), which PVE refuses`),
			bad(web.set("ipv6_config", `{ address = "2001:db8::10" }`), `"2001:db8::10" must be auto, dhcp or a static IPv6 address`),
			bad(web.set("ipv6_config", `{ address = "192.168.1.5/24" }`), `"192.168.1.5/24" must be auto, dhcp or a static IPv6`),
			bad(web.set("ipv6_config", `{ address = "auto", gateway = "2001:db8::1" }`), `with auto the router gives the IPv6 gateway`),
			bad(web.set("ipv6_config", `{ address = "2001:db8::10/64", gateway = "192.168.1.1" }`), `"192.168.1.1" is not an IPv6 address`),
			bad(web.set("dns", `{}`), `dns sets neither servers nor domain`),
			bad(web.set("dns", `{ servers = ["dns.example"] }`), `"dns.example" is not an IP address`),
			bad(web.set("dns", `{ domain = "bad_domain!" }`), `"bad_domain!" is not a DNS domain`),
		},
	})
}

// TestAccVLANTagNeedsSDNUseOnTheTag: PVE asks SDN.Use on the bridge's VLAN
// (/sdn/zones/localnetwork/<bridge>/<tag>, check_vnet_access) for a tagged
// interface, so an identity that may use the bridge untagged only is
// refused at plan, with the path and the grant that fix it.
func TestAccVLANTagNeedsSDNUseOnTheTag(t *testing.T) {
	e := newSimEnv(t, "")
	token := e.minimalToken()
	e.pveumOK("pveum acl delete /sdn/zones/localnetwork -user " + minimalUser + " -role ProximityNetwork")
	e.pveumOK("pveum aclmod /sdn/zones/localnetwork/vmbr0 -user " + minimalUser + " -role ProximityNetwork --propagate 0")
	block := rawHCL(e.appProvider(withAPIToken(token)))
	web := application("web", "nginx", "web").str("node", "pve1")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		CheckDestroy:             e.nothingLeft(),
		Steps: []resource.TestStep{
			{Config: config(block, web), PlanOnly: true, ExpectNonEmptyPlan: true},
			{
				Config: config(block, web.num("vlan_tag", 10)), PlanOnly: true,
				ExpectError: missingPrivilegePattern("/sdn/zones/localnetwork/vmbr0/10", "SDN.Use", "ProximityNetwork"),
			},
			{
				PreConfig: func() {
					e.pveumOK("pveum aclmod /sdn/zones/localnetwork/vmbr0/10 -user " + minimalUser + " -role ProximityNetwork")
				},
				Config: config(block, web.num("vlan_tag", 10)), PlanOnly: true, ExpectNonEmptyPlan: true,
			},
		},
	})
}

// regexpCheck is a knownvalue check of a string against a pattern.
func regexpCheck(pattern string) knownvalue.Check {
	return knownvalue.StringRegexp(regexp.MustCompile(pattern))
}
