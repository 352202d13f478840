package deploy

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// TestRenderedComposeRunsInAContainer deploys the rendered compose file of a
// multi-service app the way the pipeline will: install Docker with pct exec,
// push the file, compose up, and check every service runs.
func TestRenderedComposeRunsInAContainer(t *testing.T) {
	sim := pvesimtest.Start(t, pvesim.Options{})
	info := sim.Info()
	client, _ := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	yes := true
	if err := client.CreateContainer(context.Background(), "pve2", 120, pveclient.ContainerCreateRequest{
		OSTemplate: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:8"}, Start: true,
		ContainerSettings: pveclient.ContainerSettings{Networks: map[int]pveclient.ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}},
			Features: &pveclient.ContainerFeatures{Nesting: &yes}, Unprivileged: &yes},
	}, nil); err != nil {
		t.Fatal(err)
	}
	r, _ := nodeshell.New(nodeshell.Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	defer r.Close()
	run := func(cmd, stdin string) nodeshell.Result {
		t.Helper()
		// Only a command that reads stdin gets it, as with a real sshd.
		var in io.Reader
		if stdin != "" {
			in = strings.NewReader(stdin)
		}
		res, err := r.Run(context.Background(), "pve2", cmd, in)
		if err != nil || res.ExitCode != 0 {
			t.Fatalf("%s: exit %d %v\n%s%s", cmd, res.ExitCode, err, res.Stdout, res.Stderr)
		}
		return res
	}
	c, _ := catalog.Embedded()
	app, _ := c.Get("nextcloud")
	compose, err := RenderCompose(context.Background(), app, map[string]string{"DB_PASSWORD": "it's $ecret"})
	if err != nil {
		t.Fatal(err)
	}
	run(PctExecScript(120, "apk add docker docker-cli-compose && rc-update add docker default && service docker start && mkdir -p /opt/nextcloud"), "")
	run("cat > /tmp/nextcloud.yaml && "+Command("pct", "push", "120", "/tmp/nextcloud.yaml", "/opt/nextcloud/compose.yaml"), string(compose))
	run(PctExec(120, "docker", "compose", "-f", "/opt/nextcloud/compose.yaml", "up", "-d"), "")
	res := run(PctExec(120, "docker", "compose", "-p", "nextcloud", "ps", "--format", "json"), "")
	states := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(res.Stdout), "\n") {
		var svc struct{ Service, State string }
		if err := json.Unmarshal([]byte(line), &svc); err != nil {
			t.Fatalf("ps line %q: %v", line, err)
		}
		states[svc.Service] = svc.State
	}
	for _, name := range app.ServiceNames() {
		if states[name] != "running" {
			t.Errorf("service %s is %q after compose up (%v)", name, states[name], states)
		}
	}
}
