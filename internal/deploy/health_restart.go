package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// restartUnhealthy restarts the services that run but whose healthcheck
// reports them unhealthy, before the service check waits for them, and
// says which it restarted ("" for none).
//
// Nothing else would: dockerd never restarts an unhealthy container (a
// healthcheck only sets its status; restarting on it is Swarm's job, not
// the engine's), and compose up -d leaves a running container whose
// configuration is unchanged alone whatever its health (Compose v2's
// convergence recreates only on a changed config hash; v1 likewise). An
// apply that repairs a degraded app runs compose up first, so a service
// still unhealthy here was unhealthy before the apply: a hung process that
// a restart replaces, as a user would do by hand. A create's containers
// are new, so none is unhealthy yet ("health: starting") and this restarts
// nothing there.
func (d *Service) restartUnhealthy(ctx context.Context, node string, vmid int, tool composeTool, dir string, entry *catalog.App) (string, error) {
	states, err := d.serviceStates(ctx, node, vmid, tool, dir, entry)
	if err != nil {
		return "", err
	}
	var names []string
	for _, s := range states {
		if s.state == "running" && healthOf(s.status) == HealthUnhealthy {
			names = append(names, s.name)
		}
	}
	if len(names) == 0 {
		return "", nil
	}
	if err := d.inContainer(ctx, node, vmid, tool.project(dir, entry.ID, append([]string{"restart"}, names...)...)...); err != nil {
		return "", fmt.Errorf("restarting the unhealthy services %s of %s: %w", strings.Join(names, ", "), entry.ID, err)
	}
	return "restarted unhealthy " + strings.Join(names, ", ") + "; ", nil
}
