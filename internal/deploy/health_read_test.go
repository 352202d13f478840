package deploy

import (
	"context"
	"testing"
)

// TestReadServicesHealth: the services read gives each service's health as
// docker reports it: healthy for web (its healthcheck's first probe, one
// simulated second after the start, has passed), none for cache.
func TestReadServicesHealth(t *testing.T) {
	d, _ := newService(t)
	d.Catalog = healthApp(t, "1s")
	app, err := d.Create(context.Background(), Spec{CatalogID: "hc", Hostname: "hc"}, func(App) {})
	if err != nil {
		t.Fatal(err)
	}
	services, known, err := d.ReadAppServices(context.Background(), app.Node, app.VMID, "hc")
	if err != nil || !known || len(services) != 2 {
		t.Fatalf("%+v %v %v", services, known, err)
	}
	health := map[string]string{}
	for _, s := range services {
		health[s.Name] = s.Health
	}
	if health["web"] != HealthHealthy || health["cache"] != "" {
		t.Errorf("health: %+v", services)
	}
}
