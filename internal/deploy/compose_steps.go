package deploy

import (
	"context"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// composeSteps brings the app's services up in a started container with an
// address: container runtime, compose file, compose up and the service
// check, each a step of the log.
func (d *Service) composeSteps(ctx context.Context, entry *catalog.App, compose []byte, app App, log *stepLog) error {
	var composeCmd []string
	if err := log.run(ctx, "install container runtime", func() (string, error) {
		var err error
		composeCmd, err = d.installRuntime(ctx, app.Node, app.VMID)
		return strings.Join(composeCmd, " "), err
	}); err != nil {
		return err
	}
	dir := "/opt/proximity/" + entry.ID
	if err := log.run(ctx, "write compose file", func() (string, error) {
		return dir + "/compose.yaml", d.pushFile(ctx, app.Node, app.VMID, dir, "compose.yaml", compose)
	}); err != nil {
		return err
	}
	if err := log.run(ctx, "compose up", func() (string, error) {
		return "", d.inContainer(ctx, app.Node, app.VMID, append(composeCmd, "-f", dir+"/compose.yaml", "-p", entry.ID, "up", "-d")...)
	}); err != nil {
		return err
	}
	return log.run(ctx, "check services", func() (string, error) {
		return d.checkServices(ctx, app.Node, app.VMID, composeCmd, entry)
	})
}
