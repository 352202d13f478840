package provider

import (
	"context"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccCreateTimeoutNamesTheTimeoutAndTheStep: a create whose container
// takes longer to start (a slowed vzstart, 5 s) than its timeouts.create
// (2 s) ends at the timeout, and the error says which timeout, as
// configured, and during which step it ran out. Before, it said "context
// deadline exceeded".
func TestAccCreateTimeoutNamesTheTimeoutAndTheStep(t *testing.T) {
	e := newSimEnv(t, "taskslow:vzstart=500s") // 5 s at the test's time scale
	provider := rawHCL(e.appProvider())
	app := application("slow", "nginx", "slow-start").str("node", "pve1").set("timeouts", `{ create = "2s" }`)
	start := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(provider, app),
				ExpectError: errorLike(`timed out .* ran out of time during step "start" .* timeouts.create = 2s ran out`),
			},
			{
				// The slowed start finishes; then the failed app can go.
				PreConfig: func() { waitUntilUnlocked(t, e, "pve1") },
				Config:    config(provider),
			},
		},
		CheckDestroy: destroyed(expectGuestCount(e, 0)),
	})
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("the test took %s", d)
	}
}

// waitUntilUnlocked waits until no container on node holds a lock.
func waitUntilUnlocked(t *testing.T, e *testEnv, node string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		guests, err := e.client.ClusterGuests(context.Background())
		locked := err != nil
		for _, g := range guests {
			if st, err := e.client.GuestStatus(context.Background(), node, g.VMID); g.Node == node && (err != nil || st.Lock != "") {
				locked = true
			}
		}
		if !locked {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("a container on %s stayed locked", node)
}
