package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestTagRuleAgreesWithPVE: for each user-tag-access mode and with
// registered tags, CheckTags predicts exactly what PVE then does with the
// same tags written by the README's PVEAdmin token (no Sys.Modify on /):
// pve-guest-common GuestHelpers::assert_tag_permissions and
// get_allowed_tags, as the simulator runs them on PUT .../config.
func TestTagRuleAgreesWithPVE(t *testing.T) {
	d, sim := newService(t)
	info := sim.Info()
	ctx := context.Background()
	yes := true
	for vmid, tags := range map[int]pveclient.Tags{150: nil, 151: {"blue"}} {
		if err := d.Client.CreateContainer(ctx, "pve1", vmid, pveclient.ContainerCreateRequest{
			OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:1"},
			ContainerSettings: pveclient.ContainerSettings{Unprivileged: &yes, Tags: tags},
		}, nil); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name, access, registered string
		write                    TagWrite
		refused                  bool
	}{
		{"free", "", "", TagWrite{CatalogID: "nginx", Proximity: true, UserTags: []string{"blue"}}, false},
		{"free, the user's tag registered", "", "blue", TagWrite{CatalogID: "nginx", Proximity: true, UserTags: []string{"blue"}}, true},
		{"free, proximity registered", "", "proximity", TagWrite{CatalogID: "nginx", Proximity: true}, true},
		{"free, a port tag registered", "", "px-pub-8100", TagWrite{CatalogID: "nginx", Proximity: true}, true},
		{"free, the user's tags only, another registered", "", "red", TagWrite{UserTags: []string{"blue"}}, false},
		{"existing", "user-allow=existing", "", TagWrite{CatalogID: "nginx", Proximity: true}, true},
		{"existing, a tag another guest has", "user-allow=existing", "", TagWrite{UserTags: []string{"blue"}}, false},
		{"existing, a new tag", "user-allow=existing", "", TagWrite{UserTags: []string{"red"}}, true},
		{"list", "user-allow=list,user-allow-list=proximity;px-deploying", "", TagWrite{CatalogID: "nginx", Proximity: true}, true},
		{"list, a listed tag", "user-allow=list,user-allow-list=red", "", TagWrite{UserTags: []string{"red"}}, false},
		{"list, a tag not listed", "user-allow=list,user-allow-list=red", "", TagWrite{UserTags: []string{"blue"}}, true},
		{"none", "user-allow=none", "", TagWrite{CatalogID: "nginx", Proximity: true}, true},
		{"none, a listed tag", "user-allow=none,user-allow-list=red", "", TagWrite{UserTags: []string{"red"}}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			setOption(t, d, "user-tag-access", c.access)
			setOption(t, d, "registered-tags", c.registered)
			fresh := *d // a new client: the rule's answers are cached per client
			client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
			if err != nil {
				t.Fatal(err)
			}
			fresh.Client = client
			predicted := fresh.CheckTags(ctx, c.write)
			var tagErr *TagAccessError
			if predicted != nil && !errors.As(predicted, &tagErr) {
				t.Fatal(predicted)
			}
			tags := pveclient.Tags(c.write.UserTags)
			if c.write.Proximity {
				tags = ownTags(c.write.UserTags, c.write.CatalogID, "abc", 8100, 9100, true)
			}
			written := client.UpdateContainerConfig(ctx, "pve1", 150, pveclient.ContainerConfigUpdate{Tags: tags})
			if (predicted != nil) != c.refused || (written != nil) != c.refused {
				t.Errorf("refused: want %v; the rule says %v, PVE said %v", c.refused, predicted, written)
			}
			if written != nil && !strings.Contains(written.Error(), "Sys.Modify for modifying tag") {
				t.Errorf("PVE refused for another reason: %v", written)
			}
			onNode(t, d, "pve1", "pvesh set /nodes/pve1/lxc/150/config --delete tags")
		})
	}
}

// setOption sets or, for an empty value, removes a datacenter.cfg option as
// root does.
func setOption(t *testing.T, d *Service, key, value string) {
	t.Helper()
	if value == "" {
		onNode(t, d, "pve1", "pvesh set /cluster/options --delete "+key)
		return
	}
	onNode(t, d, "pve1", "pvesh set /cluster/options --"+key+" '"+value+"'")
}
