package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

func (d *Service) checkServices(ctx context.Context, node string, vmid int, compose []string, entry *catalog.App) (string, error) {
	ps, err := d.output(ctx, node, vmid, append(compose, "-p", entry.ID, "ps", "--format", "json")...)
	if err != nil {
		return "", err
	}
	running := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(ps), "\n") {
		var svc struct{ Service, State string }
		if json.Unmarshal([]byte(line), &svc) == nil && svc.State == "running" {
			running[svc.Service] = true
		}
	}
	var missing []string
	for _, name := range entry.ServiceNames() {
		if !running[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return "", fmt.Errorf("services not running after compose up: %s", strings.Join(missing, ", "))
	}
	return strings.Join(entry.ServiceNames(), ", ") + " running", nil
}
