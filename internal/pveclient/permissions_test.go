package pveclient

import (
	"context"
	"slices"
	"strings"
	"testing"
)

// TestPermissionsAndTagOptionsAsPVEAnswers: GET /access/permissions gives
// the README's PVEAdmin token its privileges with their propagate flags
// (PVEAdmin on / propagating: VM.Allocate on /vms, propagating; no
// Sys.Modify), and GET /cluster/options its tag settings, typed, defaults
// included (user-allow free, ordering alphabetical).
func TestPermissionsAndTagOptionsAsPVEAnswers(t *testing.T) {
	sim := startSim(t, "")
	info := sim.Info()
	c, err := New(Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if c.AuthID() != "terraform@pve!proximity" || !c.IsToken() {
		t.Errorf("AuthID %q, token %v", c.AuthID(), c.IsToken())
	}
	vms, err := c.Permissions(ctx, "/vms")
	if err != nil || !vms.Has("VM.Allocate", true) || vms.Has("Sys.Modify", false) {
		t.Errorf("/vms: %v %v", vms, err)
	}
	opts, err := c.ClusterTagOptions(ctx)
	if err != nil || opts.UserAllow != "free" || len(opts.Registered) != 0 {
		t.Errorf("defaults: %+v %v", opts, err)
	}
	var out strings.Builder
	cmd := "pvesh set /cluster/options --user-tag-access 'user-allow=list,user-allow-list=red;blue' --registered-tags 'gold' " +
		"--tag-style 'ordering=config,case-sensitive=1'"
	if code, err := sim.RunOnNode(ctx, "pve1", cmd, nil, &out, &out); err != nil || code != 0 {
		t.Fatalf("%s: %d %v %s", cmd, code, err, out.String())
	}
	opts, err = c.ClusterTagOptions(ctx)
	if err != nil || opts.UserAllow != "list" || !slices.Equal(opts.UserAllowList, []string{"blue", "red"}) ||
		!slices.Equal(opts.Registered, []string{"gold"}) || !slices.Equal(opts.Allowed, []string{"blue", "red"}) {
		t.Errorf("set: %+v %v", opts, err)
	}
}
