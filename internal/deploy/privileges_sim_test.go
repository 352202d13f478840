package deploy

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestPrivilegeCheckTakesPVEsEffectivePrivileges: the check asks PVE
// (RPCEnvironment::permissions through GET /access/permissions), so a role
// granted on /vms without propagation covers no new container, one with
// propagation does, and a token with privilege separation gets only what
// it and its user both hold.
func TestPrivilegeCheckTakesPVEsEffectivePrivileges(t *testing.T) {
	d, sim := newService(t)
	info := sim.Info()
	for _, c := range readmeGrants("kim@pve") {
		onNode(t, d, "pve1", c)
	}
	onNode(t, d, "pve1", "pveum aclmod /vms -user kim@pve -role ProximityVMs --propagate 0")
	onNode(t, d, "pve1", "pveum user token add kim@pve open --privsep 0 --output-format json > /root/open.json")
	onNode(t, d, "pve1", "pveum user token add kim@pve sep --privsep 1 --output-format json > /root/sep.json")
	token := func(name string) *Service {
		res, err := d.Nodes.Run(context.Background(), "pve1", "cat /root/"+name+".json", nil)
		if err != nil {
			t.Fatal(err)
		}
		_, value, _ := strings.Cut(res.Stdout, `"value":"`)
		value, _, _ = strings.Cut(value, `"`)
		client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: "kim@pve!" + name + "=" + value, CACertPEM: info.CACertPEM})
		if err != nil {
			t.Fatal(err)
		}
		fresh := *d
		fresh.Client = client
		return &fresh
	}
	missing := func(s *Service, needs []PrivilegeNeed) []PrivilegeNeed {
		err := s.CheckPrivileges(context.Background(), needs)
		var m *MissingPrivilegesError
		if err != nil && !errors.As(err, &m) {
			t.Fatal(err)
		}
		if m == nil {
			return nil
		}
		return m.Missing
	}
	open := token("open")
	// Held on /vms itself, but not propagated to a container to come.
	got := missing(open, ApplicationNeeds(PlannedApplication{}))
	if len(got) != 1 || got[0].Path != PathVMs || !got[0].Below || !slices.Equal(got[0].Privs, applicationVMPrivileges) {
		t.Errorf("without propagation on /vms: missing %+v", got)
	}
	onNode(t, d, "pve1", "pveum aclmod /vms -user kim@pve -role ProximityVMs")
	if got := missing(token("open"), ApplicationNeeds(PlannedApplication{})); got != nil {
		t.Errorf("with the README's grants: missing %+v", got)
	}
	// privsep=1: the token holds nothing of its own yet.
	got = missing(token("sep"), BackupNeeds(0, "local"))
	if len(got) != 2 || got[0].Path != "/storage/local" || got[1].Path != PathVMs {
		t.Errorf("a separated token without grants: missing %+v", got)
	}
	err := token("sep").CheckPrivileges(context.Background(), BackupNeeds(0, "local"))
	if !strings.Contains(err.Error(), "pveum aclmod /vms -token 'kim@pve!sep' -role ProximityVMs") {
		t.Errorf("the advice does not grant the token: %v", err)
	}
}

// readmeGrants are the README's roles and grants for user (the README's
// own block is run as it is by the provider's acceptance tests).
func readmeGrants(user string) []string {
	out := []string{"pveum user add " + user}
	for _, n := range RequiredPrivileges() {
		out = append(out, "pveum role add "+RoleFor(n.Path)+" --privs "+strings.Join(n.Privs, ","),
			"pveum aclmod "+n.Path+" -user "+user+" -role "+RoleFor(n.Path))
	}
	return out
}
