package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// pushFile writes a file into the container through the node: the content
// travels on stdin, never on a command line.
func (d *Service) pushFile(ctx context.Context, node string, vmid int, dir, name string, content []byte) error {
	if err := d.inContainer(ctx, node, vmid, "mkdir", "-p", dir); err != nil {
		return err
	}
	tmp := fmt.Sprintf("/tmp/proximity-%d-%s", vmid, name)
	script := "cat > " + Quote(tmp) + " && " + Command("pct", "push", strconv.Itoa(vmid), tmp, dir+"/"+name, "--perms", "0600") +
		"; status=$?; rm -f " + Quote(tmp) + "; exit $status"
	return retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, script, strings.NewReader(string(content)))
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("pct push exited %d: %s", res.ExitCode, strings.TrimSpace(res.Stderr))
		}
		return nil
	})
}
