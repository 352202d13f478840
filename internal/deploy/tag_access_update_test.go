package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestInPlaceTagWritesAgreeWithPVE: an update in place that moves the
// ports (new px-pub-/px-int- values) or repairs Proximity's own tags (puts
// a removed px-id- tag back, takes the deploying mark off) writes tags PVE
// checks (pve-guest-common GuestHelpers::assert_tag_permissions compares
// the old and new tag lists, own tags too). For the README's PVEAdmin token
// (no Sys.Modify on /), CheckTags with Change.OwnTagWrite predicts what
// PVE then does with the update, and its refusal names the datacenter.cfg
// line and the grant, as for a create.
func TestInPlaceTagWritesAgreeWithPVE(t *testing.T) {
	d, sim := newService(t)
	info := sim.Info()
	ctx := context.Background()
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := created.App
	own := ownTags(nil, "nginx", app.Identity, app.PublicPort, app.InternalPort, false)
	idTag := TagID + app.Identity
	cases := []struct {
		name, access string
		tags         pveclient.Tags // the container's tags before the update, set as root
		change       func(c *Change) OwnTagRepair
		refused      bool
	}{
		{"port move, free", "", own, movePorts(t, d), false},
		{"port move, existing", "user-allow=existing", own, movePorts(t, d), true},
		{"px-id removed, existing", "user-allow=existing", withoutTag(own, idTag), repair(OwnTagRepair{Missing: []string{idTag}}), true},
		{"px-id removed, free", "", withoutTag(own, idTag), repair(OwnTagRepair{Missing: []string{idTag}}), false},
		{"deploying mark with a change, list", "user-allow=list,user-allow-list=blue", append(own, TagDeploying),
			repair(OwnTagRepair{Deploying: true}), true},
		{"deploying mark with a change, existing", "user-allow=existing", append(own, TagDeploying),
			repair(OwnTagRepair{Deploying: true}), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			onNode(t, d, "pve1", fmt.Sprintf("pvesh set /nodes/pve1/lxc/%d/config --tags '%s'", app.VMID, strings.Join(tc.tags, ";")))
			setOption(t, d, "user-tag-access", tc.access)
			t.Cleanup(func() { setOption(t, d, "user-tag-access", "") })
			fresh := *d // a new client: the rule's answers are cached per client
			if fresh.Client, err = pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken,
				CACertPEM: info.CACertPEM}); err != nil {
				t.Fatal(err)
			}
			c := Change{CatalogID: "nginx", Identity: app.Identity, Hostname: "web", AllocationID: app.AllocationID,
				PublicPort: app.PublicPort, InternalPort: app.InternalPort, Memory: 256}
			predicted := fresh.CheckTags(ctx, c.OwnTagWrite(tc.change(&c)))
			var tagErr *TagAccessError
			if predicted != nil && (!errors.As(predicted, &tagErr) ||
				!strings.Contains(predicted.Error(), "user-tag-access: user-allow=free") ||
				!strings.Contains(predicted.Error(), "pveum aclmod / ")) {
				t.Fatalf("the rule's refusal: %v", predicted)
			}
			_, written := fresh.Update(ctx, app.Node, app.VMID, c)
			if (predicted != nil) != tc.refused || (written != nil) != tc.refused {
				t.Errorf("refused: want %v; the rule says %v, PVE said %v", tc.refused, predicted, written)
			}
			if written != nil && !strings.Contains(written.Error(), "Sys.Modify for modifying tag") {
				t.Errorf("PVE refused for another reason: %v", written)
			}
		})
	}
}

// movePorts makes a change move the app to a new port allocation's pair.
func movePorts(t *testing.T, d *Service) func(c *Change) OwnTagRepair {
	return func(c *Change) OwnTagRepair {
		pa, err := d.Ports.Allocate(context.Background(), "shared", 0)
		if err != nil {
			t.Fatal(err)
		}
		c.Ports = &PortMove{AllocationID: pa.ID}
		c.Tags = []string{}
		return OwnTagRepair{}
	}
}

// repair makes a change repair what a refresh found.
func repair(r OwnTagRepair) func(c *Change) OwnTagRepair {
	return func(c *Change) OwnTagRepair {
		c.RepairOwnTags(r, nil)
		return r
	}
}

func withoutTag(tags pveclient.Tags, tag string) pveclient.Tags {
	var out pveclient.Tags
	for _, t := range tags {
		if t != tag {
			out = append(out, t)
		}
	}
	return out
}
