package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	proxmox "github.com/luthermonson/go-proxmox"
)

func TestAuthFailures(t *testing.T) {
	sim := startSim(t, Options{})
	login := call(t, sim, http.MethodPost, "/access/ticket", url.Values{"username": {"root@pam"}, "password": {sim.Info().Password}})
	ticketData := mustMap(t, data(login))
	ticket := mustString(t, ticketData["ticket"])
	csrf := mustString(t, ticketData["CSRFPreventionToken"])

	tests := []struct {
		name   string
		method string
		auth   func(*http.Request)
		want   string
	}{
		{"no credentials", "GET", nil, "No ticket"},
		{"wrong token secret", "GET", func(r *http.Request) {
			r.Header.Set("Authorization", "PVEAPIToken=root@pam!proximity=wrong")
		}, "Authentication failed!"},
		{"forged ticket", "GET", func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: "PVEAuthCookie", Value: "PVE:root@pam:6B000000::Zm9yZ2Vk"})
		}, "Authentication failed!"},
		{"write without CSRF token", "POST", func(r *http.Request) {
			r.AddCookie(&http.Cookie{Name: "PVEAuthCookie", Value: ticket})
		}, "Permission denied - invalid csrf token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := callWith(t, sim, tc.method, "/nodes/pve1/aplinfo", url.Values{"storage": {"local"}, "template": {"x"}}, tc.auth)
			if tc.method == "GET" {
				r = callWith(t, sim, tc.method, "/version", nil, tc.auth)
			}
			if r.Status != 401 || r.Reason != tc.want {
				t.Fatalf("got %d %q, want 401 %q", r.Status, r.Reason, tc.want)
			}
		})
	}

	t.Run("ticket with CSRF works for writes", func(t *testing.T) {
		r := callWith(t, sim, "POST", "/nodes/pve1/aplinfo", url.Values{"storage": {"local"}, "template": {"alpine-3.21-default_20241217_amd64.tar.xz"}},
			func(r *http.Request) {
				r.AddCookie(&http.Cookie{Name: "PVEAuthCookie", Value: ticket})
				r.Header.Set("CSRFPreventionToken", csrf)
			})
		if r.Status != 200 || !strings.HasPrefix(mustString(t, data(r)), "UPID:pve1:") {
			t.Fatalf("got %d %s", r.Status, r.Raw)
		}
		if got := waitTask(t, sim, mustString(t, data(r))); got != "OK" {
			t.Fatalf("download task: %s", got)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		r := call(t, sim, http.MethodPost, "/access/ticket", url.Values{"username": {"root@pam"}, "password": {"nope"}})
		if r.Status != 401 || r.Reason != "authentication failure" {
			t.Fatalf("got %d %q", r.Status, r.Reason)
		}
	})
	t.Run("ticket as password renews it", func(t *testing.T) {
		r := call(t, sim, http.MethodPost, "/access/ticket", url.Values{"username": {"root@pam"}, "password": {ticket}})
		if r.Status != 200 {
			t.Fatalf("renewal: %d %s", r.Status, r.Raw)
		}
	})
	t.Run("tokens cannot log in", func(t *testing.T) {
		r := call(t, sim, http.MethodPost, "/access/ticket", url.Values{"username": {"root@pam!proximity"}, "password": {"x"}})
		if r.Status != 401 {
			t.Fatalf("got %d", r.Status)
		}
	})
	t.Run("ticket format", func(t *testing.T) {
		parts := strings.Split(ticket, ":")
		if len(parts) != 5 || parts[0] != "PVE" || parts[1] != "root@pam" || len(parts[2]) != 8 || parts[3] != "" {
			t.Fatalf("ticket %q is not PVE:<user>:<8 hex>::<sig>", ticket)
		}
	})
}

func TestExpiredTicketIsRefused(t *testing.T) {
	sim := startSim(t, Options{})
	old := sim.newTicket("root@pam", time.Now().Add(-ticketLifetime-time.Minute))
	r := callWith(t, sim, "GET", "/version", nil, func(r *http.Request) {
		r.AddCookie(&http.Cookie{Name: "PVEAuthCookie", Value: old})
	})
	if r.Status != 401 || r.Reason != "Authentication failed!" {
		t.Fatalf("got %d %q", r.Status, r.Reason)
	}
}

// TestGoProxmoxLogin drives the ticket flow with go-proxmox as a client.
func TestGoProxmoxLogin(t *testing.T) {
	sim := startSim(t, Options{})
	c := proxmox.NewClient(sim.Endpoint()+apiPrefix, proxmox.WithHTTPClient(httpClient(t, sim)),
		proxmox.WithCredentials(&proxmox.Credentials{Username: "root@pam", Password: sim.Info().Password}))
	v, err := c.Version(ctx(t))
	if err != nil {
		t.Fatalf("Version with password login: %v", err)
	}
	if v.Release != "8.4" {
		t.Errorf("release %q", v.Release)
	}
	node, err := c.Node(ctx(t), "pve2")
	if err != nil {
		t.Fatalf("Node: %v", err)
	}
	if node.Name != "pve2" {
		t.Errorf("node name %q", node.Name)
	}
}
