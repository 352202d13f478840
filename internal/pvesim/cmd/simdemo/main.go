// Command simdemo walks through the Proxmox VE simulator the way the provider
// uses a cluster: it starts a simulated cluster, then, as an ordinary client
// (go-proxmox over verified HTTPS, x/crypto/ssh with a pinned host key),
// picks the node with the most free memory, creates and starts an Alpine
// container, installs Docker in it, deploys a compose app and backs it up.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	proxmox "github.com/luthermonson/go-proxmox"
	"golang.org/x/crypto/ssh"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
)

const composeFile = `services:
  whoami:
    image: traefik/whoami:v1.10.3
    ports: ["8100:80"]
    restart: unless-stopped
`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "demo failed:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sim, err := pvesim.New(pvesim.Options{TimeScale: 0.05})
	if err != nil {
		return err
	}
	if err := sim.Start(); err != nil {
		return err
	}
	defer sim.Close()
	info := sim.Info()
	step("simulated cluster at %s with nodes %s", info.Endpoint, strings.Join(info.Nodes, ", "))

	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM([]byte(info.CACertPEM))
	httpClient := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	tokenID, secret, _ := strings.Cut(info.APIToken, "=")
	client := proxmox.NewClient(info.Endpoint+"/api2/json", proxmox.WithHTTPClient(httpClient), proxmox.WithAPIToken(tokenID, secret))

	version, err := client.Version(ctx)
	if err != nil {
		return fmt.Errorf("version: %w", err)
	}
	step("Proxmox VE %s answers over HTTPS, certificate verified against the simulator's CA", version.Version)

	nodes, err := client.Nodes(ctx)
	if err != nil {
		return err
	}
	best := nodes[0]
	for _, n := range nodes {
		fmt.Printf("      %s: %d MiB free of %d MiB\n", n.Node, (n.MaxMem-n.Mem)>>20, n.MaxMem>>20)
		if n.MaxMem-n.Mem > best.MaxMem-best.Mem {
			best = n
		}
	}
	step("chose %s, the node with the most free memory", best.Node)

	cluster, err := client.Cluster(ctx)
	if err != nil {
		return err
	}
	vmid, err := cluster.NextID(ctx)
	if err != nil {
		return err
	}
	node, err := client.Node(ctx, best.Node)
	if err != nil {
		return err
	}
	task, err := node.NewContainer(ctx, vmid,
		proxmox.ContainerOption{Name: "ostemplate", Value: "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"},
		proxmox.ContainerOption{Name: "hostname", Value: "whoami"},
		proxmox.ContainerOption{Name: "rootfs", Value: "local-lvm:4"},
		proxmox.ContainerOption{Name: "memory", Value: 512},
		proxmox.ContainerOption{Name: "net0", Value: "name=eth0,bridge=vmbr0,ip=dhcp"},
		proxmox.ContainerOption{Name: "unprivileged", Value: true},
		proxmox.ContainerOption{Name: "features", Value: "nesting=1"},
		proxmox.ContainerOption{Name: "tags", Value: "proximity;app-whoami"},
		proxmox.ContainerOption{Name: "start", Value: true},
	)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	if err := waitTask(ctx, task); err != nil {
		return err
	}
	step("created and started CT %d (task %s)", vmid, task.UPID)

	sshClient, err := dialNode(info, best.Node)
	if err != nil {
		return err
	}
	defer sshClient.Close()
	for _, cmd := range []string{
		fmt.Sprintf("pct exec %d -- sh -c 'apk add docker docker-cli-compose && rc-update add docker default && service docker start'", vmid),
		fmt.Sprintf("pct exec %d -- mkdir -p /opt/whoami", vmid),
		fmt.Sprintf("cat > /tmp/compose.yaml && pct push %d /tmp/compose.yaml /opt/whoami/compose.yaml", vmid),
		fmt.Sprintf("pct exec %d -- docker compose -f /opt/whoami/compose.yaml -p whoami up -d", vmid),
		fmt.Sprintf("pct exec %d -- docker compose -p whoami ps --format json", vmid),
		fmt.Sprintf("pct exec %d -- ip -4 addr show eth0", vmid),
	} {
		// Only the command that reads stdin gets it: like sshd, the server
		// closes the session when the command exits, unread input or not.
		stdin := ""
		if strings.HasPrefix(cmd, "cat >") {
			stdin = composeFile
		}
		out, err := sshRun(sshClient, cmd, stdin)
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", cmd, err, out)
		}
		step("ssh %s: %s", best.Node, cmd)
		if strings.Contains(cmd, "ps --format") || strings.Contains(cmd, "ip -4") {
			fmt.Print(indent(out))
		}
	}

	backup, err := node.Vzdump(ctx, &proxmox.VirtualMachineBackupOptions{VMID: uint64(vmid), Storage: "local", Mode: "snapshot", Compress: "zstd"})
	if err != nil {
		return fmt.Errorf("vzdump: %w", err)
	}
	if err := waitTask(ctx, backup); err != nil {
		return err
	}
	storage, err := node.Storage(ctx, "local")
	if err != nil {
		return err
	}
	content, err := storage.GetContent(ctx)
	if err != nil {
		return err
	}
	for _, item := range content {
		if strings.Contains(item.Volid, ":backup/") {
			step("backup %s (%d MiB)", item.Volid, item.Size>>20)
		}
	}
	stats := sim.Stats()
	calls := 0
	for _, n := range stats.Requests {
		calls += n
	}
	step("done: %d API calls, tasks %v", calls, stats.Tasks)
	return nil
}

func step(format string, args ...any) { fmt.Printf("==> "+format+"\n", args...) }

func indent(s string) string {
	return "      " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n      ") + "\n"
}

func waitTask(ctx context.Context, t *proxmox.Task) error {
	if err := t.Wait(ctx, 50*time.Millisecond, 2*time.Minute); err != nil {
		return fmt.Errorf("task %s: %w", t.UPID, err)
	}
	if !t.IsSuccessful {
		return fmt.Errorf("task %s failed: %s", t.UPID, t.ExitStatus)
	}
	return nil
}

func dialNode(info pvesim.Info, node string) (*ssh.Client, error) {
	signer, err := ssh.ParsePrivateKey([]byte(info.SSHPrivateKey))
	if err != nil {
		return nil, err
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(info.SSHHostKey))
	if err != nil {
		return nil, err
	}
	return ssh.Dial("tcp", info.SSHNodes[node], &ssh.ClientConfig{
		User: info.SSHUser, Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.FixedHostKey(hostKey), HostKeyAlgorithms: []string{hostKey.Type()}, Timeout: 10 * time.Second,
	})
}

func sshRun(c *ssh.Client, cmd, stdin string) (string, error) {
	sess, err := c.NewSession()
	if err != nil {
		return "", err
	}
	defer sess.Close()
	if stdin != "" {
		sess.Stdin = strings.NewReader(stdin)
	}
	// CombinedOutput serialises stdout and stderr into one buffer safely.
	out, err := sess.CombinedOutput(cmd)
	var exit *ssh.ExitError
	if errors.As(err, &exit) {
		return string(out), fmt.Errorf("exit status %d", exit.ExitStatus())
	}
	return string(out), err
}
