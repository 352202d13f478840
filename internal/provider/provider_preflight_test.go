package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
)

// preflightBound is how long a plan may take to refuse a bad input: the
// retries of a call that cannot succeed took a minute before.
const preflightBound = 15 * time.Second

// TestAccBadConnectionSettingsFailAtPlan: a wrong token, a closed port, a
// host name that does not resolve, an http:// endpoint, a CA that did not
// sign the API's certificate and an SSH key the nodes refuse each fail the
// plan of an application, within seconds, naming the provider attribute to
// change; no container is made. The provider runs with the default retry
// policy, as users have it. Before, the plan passed with a warning (or
// retried for a minute), and the apply failed, after creating the
// container when the SSH key was the problem.
func TestAccBadConnectionSettingsFailAtPlan(t *testing.T) {
	e := newSimEnv(t, "")
	id, _, _ := strings.Cut(e.info.PVEAdminAPIToken, "=")
	closed := "https://127.0.0.1:" + fmt.Sprint(freePortOn(t, "127.0.0.1"))
	app := application("web", "nginx", "preflight").str("node", "pve1")
	cases := []struct {
		name string
		opts []providerOption
		want string
	}{
		{"wrong token", []providerOption{withAPIToken(id + "=wrong")},
			`Proxmox API credentials refused .* refused the API token ` + id + `.* check api_token in the provider block`},
		{"closed port", []providerOption{withEndpoint(closed)},
			`Cannot reach the Proxmox API .* ` + closed + `: the connection was refused .* check endpoint in the provider block`},
		{"unresolvable host", []providerOption{withEndpoint("https://pve.proximity.invalid:8006")},
			`Cannot reach the Proxmox API .* the host name does not resolve .* check the host name in endpoint`},
		{"http endpoint", []providerOption{withEndpoint(strings.Replace(e.info.Endpoint, "https://", "http://", 1))},
			`Cleartext endpoint .* the Proxmox API answers only HTTPS. Write endpoint = "https://`},
		{"foreign CA", []providerOption{withCA(foreignCAPEM(t))},
			`Untrusted Proxmox API certificate .* is not trusted .* set ca_cert_pem to the cluster's CA certificate`},
		{"refused SSH key", []providerOption{withSSHKey(strangerKeyPEM(t))},
			`Unable to use SSH to node pve1 .* authentication failed.* the node does not accept ssh.private_key`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: providerFactories,
				Steps: []resource.TestStep{{
					Config:      config(rawHCL(e.appProvider(append([]providerOption{withRetry(nil)}, c.opts...)...)), app),
					ExpectError: errorLike(c.want),
				}},
			})
			if d := time.Since(start); d > preflightBound {
				t.Errorf("the plan took %s to refuse it", d.Round(time.Millisecond))
			}
			guests, err := e.client.ClusterGuests(context.Background())
			if err != nil || len(guests) != 0 || e.sim.Stats().Tasks["vzcreate"] != 0 {
				t.Errorf("containers after the failed plan: %v, %d create tasks (%v)", guests, e.sim.Stats().Tasks["vzcreate"], err)
			}
		})
	}
}

// TestAccPreflightRunsOncePerPlan: one plan of five applications on two
// nodes makes one API check (GET /version) and one SSH handshake per node
// it deploys to, none to the third; before, it made none, and the first
// sign of a bad key was a create.
func TestAccPreflightRunsOncePerPlan(t *testing.T) {
	e := newSimEnv(t, "")
	proxies := map[string]*connCounter{}
	for _, node := range []string{"pve1", "pve2", "pve3"} {
		proxies[node] = countConnections(t, e.info.SSHNodes[node])
	}
	ssh := withSSHOnly(sshBlockSettings{PrivateKey: e.info.SSHPrivateKey, HostKey: e.info.SSHHostKey, Nodes: map[string]string{
		"pve1": proxies["pve1"].addr, "pve2": proxies["pve2"].addr, "pve3": proxies["pve3"].addr,
	}})
	blocks := []fmt.Stringer{rawHCL(e.provider(ssh, withLocalStore()))}
	for i, node := range []string{"pve1", "pve1", "pve2", "pve2", "pve1"} {
		blocks = append(blocks, application(fmt.Sprintf("app%d", i), "nginx", fmt.Sprintf("once-%d", i)).str("node", node))
	}
	counted := plancheckFunc(func() error {
		if n := e.sim.Stats().Requests["GET /version"]; n != 1 {
			return fmt.Errorf("%d API checks (GET /version), want 1", n)
		}
		for node, want := range map[string]int64{"pve1": 1, "pve2": 1, "pve3": 0} {
			if got := proxies[node].count.Load(); got != want {
				return fmt.Errorf("%d SSH connections to %s, want %d", got, node, want)
			}
		}
		return nil
	})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: config(blocks...), PlanOnly: true, ExpectNonEmptyPlan: true,
			ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPreRefresh: []plancheck.PlanCheck{counted}},
		}},
	})
}

// plancheckFunc is a plan check that asserts on the simulator, not the plan.
type plancheckFunc func() error

func (f plancheckFunc) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = f()
}

// connCounter forwards TCP connections to a target and counts them.
type connCounter struct {
	addr  string
	count atomic.Int64
}

func countConnections(t *testing.T, target string) *connCounter {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c := &connCounter{addr: ln.Addr().String()}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); waitGroupWithin(&wg, 5*time.Second) })
	go func() {
		for {
			in, err := ln.Accept()
			if err != nil {
				return
			}
			c.count.Add(1)
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer in.Close()
				out, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer out.Close()
				go func() { _, _ = io.Copy(out, in); out.Close() }()
				_, _ = io.Copy(in, out)
			}()
		}
	}()
	return c
}

// withEndpoint points the provider at another endpoint.
func withEndpoint(endpoint string) providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.Endpoint = endpoint }
}

// withCA trusts another CA instead of the simulator's.
func withCA(pemText string) providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.CACertPEM = pemText }
}

// withSSHKey offers another private key to the nodes (after withSSH).
func withSSHKey(key string) providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.SSH.PrivateKey = key }
}

// foreignCAPEM is a CA certificate that signed nothing the simulator has.
func foreignCAPEM(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Some other CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// strangerKeyPEM is a private key no node's authorized_keys holds.
func strangerKeyPEM(t *testing.T) string {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}
