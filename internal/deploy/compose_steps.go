package deploy

import (
	"context"
	"fmt"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// composeSteps brings the app's services up in a started container with an
// address: container runtime, compose file, compose up and the service
// check, each a step of the log. rendered is RenderCompose's file; it is
// written as the compose the container has reads it (composeTool.file).
func (d *Service) composeSteps(ctx context.Context, entry *catalog.App, rendered []byte, app App, log *stepLog) error {
	// Before anything of the app: the second proof of the container's
	// identity (ownership.go), for when its px-id- tag is removed.
	if err := d.recordIdentity(ctx, app.Node, app.VMID, app.Identity); err != nil {
		return fmt.Errorf("recording the app's identity in %s: %w", IdentityFile, err)
	}
	var tool composeTool
	if err := log.run(ctx, "install container runtime", func() (string, error) {
		var err error
		tool, err = d.installRuntime(ctx, app.Node, app.VMID)
		return tool.String(), err
	}); err != nil {
		return err
	}
	return d.composeUp(ctx, app.Node, app.VMID, tool, entry, rendered, log)
}

// composeUp writes the compose file, runs compose up and waits for the
// services; create and a changed environment (Update) share it.
func (d *Service) composeUp(ctx context.Context, node string, vmid int, tool composeTool, entry *catalog.App, rendered []byte, log *stepLog) error {
	dir := appDir(entry)
	file, err := tool.file(rendered)
	if err != nil {
		return err
	}
	if err := log.run(ctx, "write compose file", func() (string, error) {
		return dir + "/compose.yaml", d.pushFile(ctx, node, vmid, dir, "compose.yaml", file)
	}); err != nil {
		return err
	}
	if err := log.run(ctx, "compose up", func() (string, error) {
		return "", explainHostFailure(node, d.inContainer(ctx, node, vmid, tool.project(dir, entry.ID, "up", "-d")...))
	}); err != nil {
		return err
	}
	return log.run(ctx, "check services", func() (string, error) {
		return d.checkServices(ctx, node, vmid, tool, dir, entry)
	})
}

// appDir is where an app's compose file lives in its container.
func appDir(entry *catalog.App) string { return "/opt/proximity/" + entry.ID }
