package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

// TestAccApplicationOldLxcPveIsExplained deploys on Ubuntu 24.04, whose runc
// has the CVE-2025-52881 fix, in an unprivileged container on a node whose
// lxc-pve predates 6.0.5-2: compose up fails with runc's sysctl message
// (the simulator models the host, TestOldLxcPveBreaksPatchedRunc), and the
// apply says which host package to update on which node.
func TestAccApplicationOldLxcPveIsExplained(t *testing.T) {
	requireAcc(t)
	e := newEnv(t, pvesim.Options{LXCPveVersion: "6.0.0-1"})
	app := application("x", "nginx", "old-host").str("node", "pve2").
		str("template", "local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config(rawHCL(e.provider(withSSH())), app),
			ExpectError: regexp.MustCompile(`(?s)Docker\s+cannot\s+start\s+containers\s+on\s+node\s+pve2.*open\s+sysctl.*` +
				`lxc-pve\s+6\.0\.5-2\s+or\s+newer.*update\s+lxc-pve\s+on\s+node\s+pve2\s+\(apt\s+update\s+&&\s+apt\s+full-upgrade`),
		}},
		CheckDestroy: destroyed(expectGuestCount(e, 0)),
	})
}
