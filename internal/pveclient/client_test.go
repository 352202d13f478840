package pveclient

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

func startSim(t *testing.T, faults string) *pvesim.Simulator {
	t.Helper()
	return pvesimtest.Start(t, pvesim.Options{Faults: faults})
}

var fastRetry = RetryConfig{MaxAttempts: 4, MinBackoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond}

func tokenClient(t *testing.T, sim *pvesim.Simulator) *Client {
	t.Helper()
	info := sim.Info()
	c, err := New(Config{Endpoint: info.Endpoint, APIToken: info.APIToken, CACertPEM: info.CACertPEM, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNodesWithTokenAndPassword(t *testing.T) {
	sim := startSim(t, "")
	info := sim.Info()
	nodes, err := tokenClient(t, sim).Nodes(context.Background())
	if err != nil || len(nodes) != 3 || nodes[0].Name != "pve1" || nodes[2].MemoryTotal != 64<<30 || !nodes[0].Online {
		t.Fatalf("Nodes: %+v %v", nodes, err)
	}
	if nodes[0].MemoryFree() != nodes[0].MemoryTotal-nodes[0].MemoryUsed {
		t.Error("MemoryFree")
	}
	pw, err := New(Config{Endpoint: info.Endpoint + "/", Username: "root@pam", Password: info.Password, CACertPEM: info.CACertPEM, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	if v, err := pw.Version(context.Background()); err != nil || v != "8.4.1" {
		t.Fatalf("Version with a password: %q %v", v, err)
	}
}

func TestTicketIsRenewedBeforeExpiry(t *testing.T) {
	sim := startSim(t, "")
	info := sim.Info()
	c, _ := New(Config{Endpoint: info.Endpoint, Username: "root@pam", Password: info.Password, CACertPEM: info.CACertPEM, Retry: fastRetry})
	ta, ok := c.auth.(*ticketAuth)
	if !ok {
		t.Fatalf("auth is %T, want a ticket", c.auth)
	}
	now := time.Now()
	ta.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if _, err := c.Version(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n := sim.Stats().Requests["POST /access/ticket"]; n != 1 {
		t.Fatalf("%d logins for three calls, want 1", n)
	}
	now = now.Add(ticketRenewAfter + time.Minute)
	if _, err := c.Version(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := sim.Stats().Requests["POST /access/ticket"]; n != 2 || ta.ticket == "" {
		t.Fatalf("renewal: %d logins", n)
	}
}

func TestUnauthorizedIsNotRetried(t *testing.T) {
	sim := startSim(t, "")
	info := sim.Info()
	c, _ := New(Config{Endpoint: info.Endpoint, APIToken: "root@pam!proximity=wrong", CACertPEM: info.CACertPEM, Retry: fastRetry})
	_, err := c.Nodes(context.Background())
	if err == nil || KindOf(err) != KindUnauthorized {
		t.Fatalf("got %v", err)
	}
	for _, want := range []string{info.Endpoint, "API token root@pam!proximity", "Authentication failed!"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Error("the token secret leaked into the error")
	}
	if n := sim.Stats().Requests["GET /nodes"]; n != 1 {
		t.Errorf("a 401 was sent %d times", n)
	}
	pw, _ := New(Config{Endpoint: info.Endpoint, Username: "root@pam", Password: "bad", CACertPEM: info.CACertPEM, Retry: fastRetry})
	if _, err := pw.Nodes(context.Background()); err == nil || !strings.Contains(err.Error(), "password login of root@pam") {
		t.Errorf("bad password: %v", err)
	}
}

func TestUntrustedCertificate(t *testing.T) {
	sim := startSim(t, "")
	c, _ := New(Config{Endpoint: sim.Endpoint(), APIToken: sim.Info().APIToken, Retry: fastRetry})
	_, err := c.Nodes(context.Background())
	var certErr *CertificateError
	// What to set (ca_cert_pem, insecure) is the provider's to say (TestLowerLayerErrorDiagnostics).
	if !errors.As(err, &certErr) || certErr.Endpoint != sim.Endpoint() ||
		!strings.Contains(err.Error(), "the TLS certificate of "+sim.Endpoint()+" is not trusted") {
		t.Fatalf("got %v", err)
	}
	insecure, _ := New(Config{Endpoint: sim.Endpoint(), APIToken: sim.Info().APIToken, Insecure: true, Retry: fastRetry})
	if _, err := insecure.Nodes(context.Background()); err != nil {
		t.Errorf("insecure: %v", err)
	}
}

// TestUnreachableEndpoint: a port where nothing listens is a wrong
// endpoint, reported at once with its cause instead of after the retries.
func TestUnreachableEndpoint(t *testing.T) {
	slow := RetryConfig{MaxAttempts: 4, MinBackoff: time.Second, MaxBackoff: time.Second}
	c, _ := New(Config{Endpoint: "https://127.0.0.1:1", APIToken: "a@pam!b=c", Retry: slow})
	start := time.Now()
	_, err := c.Nodes(context.Background())
	var reach *ConnectionError
	if !errors.As(err, &reach) || reach.Problem != ReachRefused || reach.Attempts != 1 ||
		!strings.Contains(err.Error(), "cannot reach the Proxmox API at https://127.0.0.1:1: the connection was refused") {
		t.Fatalf("got %v", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("a refused connection took %s: it was retried", d)
	}
}

func TestTransientAndLockedErrorsAreRetried(t *testing.T) {
	sim := startSim(t, "595:GET /nodes=1x2;locked:GET /version=1x1")
	c := tokenClient(t, sim)
	if _, err := c.Nodes(context.Background()); err != nil {
		t.Fatalf("after two 595s: %v", err)
	}
	if n := sim.Stats().Requests["GET /nodes"]; n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	if _, err := c.Version(context.Background()); err != nil {
		t.Fatalf("after a lock: %v", err)
	}
	if err := sim.SetFaults("500:GET /nodes=1"); err != nil {
		t.Fatal(err)
	}
	_, err := c.Nodes(context.Background())
	var api *APIError
	if !errors.As(err, &api) || api.Status != 500 {
		t.Fatalf("persistent 500: %v", err)
	}
}

func TestWaitTask(t *testing.T) {
	sim := startSim(t, "taskfail:vzcreate=1x1|unable to create CT 100 - no space left on device")
	c := tokenClient(t, sim)
	create := func() string {
		var upid string
		err := c.do(context.Background(), "create", func(ctx context.Context) error {
			return c.api.Post(ctx, "/nodes/pve1/lxc",
				map[string]any{"vmid": 100, "ostemplate": "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", "rootfs": "local-lvm:2"}, &upid)
		})
		if err != nil {
			t.Fatal(err)
		}
		return upid
	}
	_, err := c.WaitTask(context.Background(), create())
	var te *TaskError
	if !errors.As(err, &te) || !strings.Contains(te.ExitStatus, "no space left on device") || len(te.LogTail) == 0 ||
		!strings.HasPrefix(te.LogTail[len(te.LogTail)-1], "TASK ERROR") {
		t.Fatalf("failed task: %v", err)
	}
	res, err := c.WaitTask(context.Background(), create())
	if err != nil || res.ExitStatus != "OK" {
		t.Fatalf("second create: %+v %v", res, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := c.WaitTask(ctx, "UPID:pve1:00000001:00000001:00000001:vzstart:100:root@pam:"); err == nil {
		t.Error("an unknown task waited forever without error")
	}
}

// TestSilentAPIIsGivenUpOnPerRequest: a server that takes the request and
// does not answer costs one request timeout per attempt, not minutes.
func TestSilentAPIIsGivenUpOnPerRequest(t *testing.T) {
	sim := startSim(t, "latency:GET /nodes=100000s") // 100 s of real time at the test's time scale
	info := sim.Info()
	c, err := New(Config{Endpoint: info.Endpoint, APIToken: info.APIToken, CACertPEM: info.CACertPEM,
		Retry: RetryConfig{MaxAttempts: 2, MinBackoff: time.Millisecond, MaxBackoff: time.Millisecond}, RequestTimeout: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Nodes(context.Background())
	if err == nil {
		t.Fatal("a silent API answered")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("two attempts at a silent API took %s: %v", d, err)
	}
	if !strings.Contains(err.Error(), ": 2 attempts over ") {
		t.Errorf("error: %v", err)
	}
}
