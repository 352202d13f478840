package pvesim

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// sshRun connects to a node's SSH server with the simulator's key, checking
// the host key, and runs one command.
func sshRun(t *testing.T, sim *Simulator, node, command, stdin string) (int, string, string) {
	t.Helper()
	client := sshDial(t, sim, node)
	defer client.Close()
	sess, err := client.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	var stdout, stderr bytes.Buffer
	sess.Stdout, sess.Stderr, sess.Stdin = &stdout, &stderr, strings.NewReader(stdin)
	err = sess.Run(command)
	var exitErr *ssh.ExitError
	switch {
	case err == nil:
		return 0, stdout.String(), stderr.String()
	case errors.As(err, &exitErr):
		return exitErr.ExitStatus(), stdout.String(), stderr.String()
	}
	t.Fatalf("ssh run %q: %v", command, err)
	return 0, "", ""
}

func TestSSHNodeShell(t *testing.T) {
	sim := startSim(t, Options{})
	if code, out, _ := sshRun(t, sim, "pve2", "hostname; echo $((6*7))", ""); code != 0 || out != "pve2\n42\n" {
		t.Fatalf("hostname: %d %q", code, out)
	}
	code, _, stderr := sshRun(t, sim, "pve1", "curl https://example.com", "")
	if code != 127 || !strings.Contains(stderr, "curl: command not found") {
		t.Errorf("unknown program: %d %q", code, stderr)
	}
	// Files written through stdin land on the node; /etc/pve is shared by all nodes.
	if code, _, errOut := sshRun(t, sim, "pve1",
		"mkdir -p /etc/pve/proximity && cat > /etc/pve/proximity/a.json.tmp && mv /etc/pve/proximity/a.json.tmp /etc/pve/proximity/a.json",
		`{"v":1}`); code != 0 {
		t.Fatalf("write: %d %s", code, errOut)
	}
	if code, out, _ := sshRun(t, sim, "pve3", "cat /etc/pve/proximity/a.json", ""); code != 0 || out != `{"v":1}` {
		t.Errorf("pve3 reads %d %q", code, out)
	}
	if code, _, _ := sshRun(t, sim, "pve3", "cat /root/only-on-pve1 2>/dev/null || echo missing > /root/only-on-pve1", ""); code != 0 {
		t.Error("node-local write failed")
	}
	if code, _, _ := sshRun(t, sim, "pve1", "test -e /root/only-on-pve1", ""); code == 0 {
		t.Error("a node's /root must not be shared")
	}
}

func TestSSHAuth(t *testing.T) {
	sim := startSim(t, Options{Password: "s3cret-pass"})
	info := sim.Info()
	hostKey, _, _, _, _ := ssh.ParseAuthorizedKey([]byte(info.SSHHostKey))
	dial := func(auth ssh.AuthMethod) error {
		c, err := ssh.Dial("tcp", info.SSHNodes["pve1"],
			&ssh.ClientConfig{User: "root", Auth: []ssh.AuthMethod{auth}, HostKeyCallback: ssh.FixedHostKey(hostKey),
				HostKeyAlgorithms: []string{hostKey.Type()}, Timeout: 5 * time.Second})
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(ssh.Password("s3cret-pass")); err != nil {
		t.Errorf("password login: %v", err)
	}
	if err := dial(ssh.Password("wrong")); err == nil {
		t.Error("wrong password accepted")
	}
}

// TestPmxcfsLock checks the cluster-wide lock the allocation store relies on:
// mkdir is atomic across nodes, a fresh lock survives a break request, an old one does not.
func TestPmxcfsLock(t *testing.T) {
	sim := startSim(t, Options{LockLifetime: time.Second})
	const lock = "/etc/pve/priv/lock/proximity-ports"
	if code, _, _ := sshRun(t, sim, "pve1", "mkdir "+lock, ""); code != 0 {
		t.Fatal("first mkdir failed")
	}
	code, _, stderr := sshRun(t, sim, "pve2", "mkdir "+lock, "")
	if code == 0 || !strings.Contains(stderr, "File exists") {
		t.Fatalf("second mkdir from another node: %d %q", code, stderr)
	}
	sshRun(t, sim, "pve2", "touch -d @0 "+lock, "")
	if code, _, _ := sshRun(t, sim, "pve2", "mkdir "+lock, ""); code == 0 {
		t.Fatal("a fresh lock was broken")
	}
	time.Sleep(1100 * time.Millisecond)
	sshRun(t, sim, "pve2", "touch -d @0 "+lock, "")
	if code, _, stderr := sshRun(t, sim, "pve2", "mkdir "+lock+" && rmdir "+lock, ""); code != 0 {
		t.Fatalf("an expired lock was not released on request: %s", stderr)
	}
}

// TestAppInstallInContainer walks the provider's deployment path: pct exec,
// install docker, start it, push a compose file, compose up, ps as JSON.
func TestAppInstallInContainer(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 101, url.Values{"start": {"1"}})

	code, _, stderr := sshRun(t, sim, "pve1", "pct exec 101 -- docker info", "")
	if code != 127 {
		t.Fatalf("docker before install: %d %q", code, stderr)
	}
	code, out, stderr := sshRun(t, sim, "pve1",
		"pct exec 101 -- sh -c 'apk add --no-cache docker docker-cli-compose && rc-update add docker default && service docker start'", "")
	if code != 0 {
		t.Fatalf("install: %d %s %s", code, out, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct exec 101 -- apk add nosuchpkg", ""); code == 0 ||
		!strings.Contains(stderr, "nosuchpkg (no such package)") {
		t.Errorf("unknown package: %d %q", code, stderr)
	}
	compose := "services:\n  web:\n    image: nginx:1.27.3\n    ports: [\"8100:80\"]\n    restart: unless-stopped\n" +
		"    volumes: [\"html:/usr/share/nginx/html\"]\n    depends_on: [db]\n  db:\n    image: mariadb:11.4\n    environment:\n" +
		"      MARIADB_ROOT_PASSWORD: x\nvolumes:\n  html: {}\n"
	if code, _, stderr := sshRun(t, sim, "pve1",
		"cat > /tmp/compose.yaml && pct exec 101 -- mkdir -p /opt/app && pct push 101 /tmp/compose.yaml /opt/app/compose.yaml", compose); code != 0 {
		t.Fatalf("push: %s", stderr)
	}
	code, _, stderr = sshRun(t, sim, "pve1", "pct exec 101 -- docker compose -f /opt/app/compose.yaml -p app up -d", "")
	if code != 0 || !strings.Contains(stderr, "Container app-web-1  Started") {
		t.Fatalf("compose up: %d %s", code, stderr)
	}
	code, out, _ = sshRun(t, sim, "pve1", "pct exec 101 -- docker compose -p app ps --format json", "")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 {
		t.Fatalf("ps: %d %q", code, out)
	}
	var svc map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &svc); err != nil {
		t.Fatal(err)
	}
	if svc["Service"] != "web" || svc["State"] != "running" || mustMap(t, mustSlice(t, svc["Publishers"])[0])["PublishedPort"] != float64(8100) {
		t.Errorf("web service %v", svc)
	}
	// A reboot keeps services with a restart policy and stops the others.
	upid := mustString(t, data(call(t, sim, "POST", "/nodes/pve1/lxc/101/status/reboot", nil)))
	waitTask(t, sim, upid)
	_, out, _ = sshRun(t, sim, "pve1", "pct exec 101 -- docker compose -p app ps -a --format json", "")
	if !strings.Contains(out, `"Service":"web","Size":"0B","State":"running"`) || !strings.Contains(out, `"Service":"db","Size":"0B","State":"exited"`) {
		t.Errorf("after reboot: %s", out)
	}
	if code, out, _ := sshRun(t, sim, "pve1", "pct exec 101 -- ip -4 addr show eth0", ""); code != 0 || !strings.Contains(out, "inet 10.10.") {
		t.Errorf("ip: %d %q", code, out)
	}
	// Broken compose files fail with compose's messages.
	bad := map[string]string{
		"services:\n  web:\n    imag: nginx\n":                              "services.web.imag",
		"services:\n  web:\n    image: nginx\n    volumes: [\"data:/x\"]\n": "refers to undefined volume data",
		"services:\n  web:\n    ports: [\"80\"]\n":                          "has neither an image nor a build context",
		"services: [\n": "yaml:",
	}
	for doc, want := range bad {
		code, _, stderr := sshRun(t, sim, "pve1",
			"cat > /tmp/bad.yaml && pct exec 101 -- mkdir -p /opt/bad && pct push 101 /tmp/bad.yaml /opt/bad/compose.yaml && pct exec 101 -- docker compose "+
				"-f /opt/bad/compose.yaml up -d", doc)
		if code == 0 || !strings.Contains(stderr, want) {
			t.Errorf("compose %q: %d %q, want %q", doc, code, stderr, want)
		}
	}
	// pct exec on a stopped container fails as pct does.
	waitTask(t, sim, mustString(t, data(call(t, sim, "POST", "/nodes/pve1/lxc/101/status/stop", nil))))
	if code, _, stderr := sshRun(t, sim, "pve1", "pct exec 101 -- true", ""); code != 255 || !strings.Contains(stderr, "container '101' not running!") {
		t.Errorf("exec on stopped: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve2", "pct exec 101 -- true", ""); code != 255 ||
		!strings.Contains(stderr, "Configuration file 'nodes/pve2/lxc/101.conf' does not exist") {
		t.Errorf("exec on the wrong node: %d %q", code, stderr)
	}
}

func TestDebianNeedsYesAndDockerRepo(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 102, url.Values{"start": {"1"}, "ostemplate": {"local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst"}})
	if code, out, _ := sshRun(t, sim, "pve1", "pct exec 102 -- apt-get install docker.io", ""); code == 0 || !strings.Contains(out, "Abort.") {
		t.Errorf("apt-get without -y: %d %q", code, out)
	}
	if code, _, stderr := sshRun(t, sim, "pve1", "pct exec 102 -- apt-get install -y docker-compose-plugin", ""); code != 100 ||
		!strings.Contains(stderr, "Unable to locate package docker-compose-plugin") {
		t.Errorf("docker repo package without the repo: %d %q", code, stderr)
	}
	if code, _, stderr := sshRun(t, sim, "pve1",
		"pct exec 102 -- sh -c 'apt-get update && apt-get install -y docker.io && systemctl is-active docker && docker info'", ""); code != 0 {
		t.Errorf("docker.io: %d %q", code, stderr)
	}
	if code, _, _ := sshRun(t, sim, "pve1", "pct exec 102 -- apk add docker", ""); code != 127 {
		t.Errorf("apk on Debian: %d", code)
	}
}

// sshDial connects to a node as root with the simulator's key, checking the
// node's host key.
func sshDial(t *testing.T, sim *Simulator, node string) *ssh.Client {
	t.Helper()
	info := sim.Info()
	signer, err := ssh.ParsePrivateKey([]byte(info.SSHPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	hostKey, _, _, _, err := ssh.ParseAuthorizedKey([]byte(info.SSHHostKey))
	if err != nil {
		t.Fatal(err)
	}
	client, err := ssh.Dial("tcp", info.SSHNodes[node], &ssh.ClientConfig{
		User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		// The node has an RSA key too, which Go's client prefers unless told.
		HostKeyCallback: ssh.FixedHostKey(hostKey), HostKeyAlgorithms: []string{hostKey.Type()}, Timeout: 10 * time.Second,
	})
	if err != nil {
		t.Fatalf("ssh dial %s: %v", node, err)
	}
	return client
}
