package deploy

import (
	"strconv"
	"strings"
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

func testCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func appGuest(vmid int, name, app string, pub, internal string, extra ...string) pveclient.ClusterGuest {
	tags := append([]string{TagProximity, TagApp + app, "px-pub-" + pub, "px-int-" + internal, TagID + "abc"}, extra...)
	return pveclient.ClusterGuest{VMID: vmid, Node: "pve1", Type: "lxc", Name: name, Status: "running", Tags: tags}
}

func TestGatewayRoutesArePureFunctionOfTheCluster(t *testing.T) {
	cat := testCatalog(t)
	nginx, _ := cat.Get("nginx")
	guests := []pveclient.ClusterGuest{
		appGuest(103, "web3", "nginx", "8102", "9102"),
		appGuest(101, "web1", "nginx", "8100", "9100"),
		appGuest(102, "hidden", "nginx", "8101", "9101", TagUnpublished),
		appGuest(104, "creating", "nginx", "8103", "9103", TagDeploying),
		appGuest(105, "stopped", "nginx", "8104", "9104"),
		appGuest(106, "copy", "nginx", "8100", "9100"),          // claims web1's pair: the lower VMID keeps it
		appGuest(107, "unknown", "no-such-app", "8105", "9105"), // the catalog no longer has it
		appGuest(109, "health", "nginx", "80", "9109"),          // the gateway's own health port
		{VMID: 108, Node: "pve2", Type: "lxc", Name: "someone-else", Tags: []string{"px-pub-8106", "px-int-9106"}},
		{VMID: 120, Node: "pve1", Type: "lxc", Name: "gw", Tags: []string{TagProximity, TagGateway, TagID + "g"}},
	}
	addresses := map[int]string{101: "10.0.0.1", 102: "10.0.0.2", 103: "10.0.0.3", 104: "10.0.0.4", 106: "10.0.0.6", 107: "10.0.0.7",
		108: "10.0.0.8", 109: "10.0.0.9", 120: "10.0.0.20"}
	routes := GatewayRoutes(guests, addresses, cat)
	port := nginx.MainPort()
	want := []Route{
		{PublicPort: 8100, InternalPort: 9100, VMID: 101, Backend: "10.0.0.1:" + strconv.Itoa(port)},
		{PublicPort: 8102, InternalPort: 9102, VMID: 103, Backend: "10.0.0.3:" + strconv.Itoa(port)},
	}
	if !SameRoutes(routes, want) {
		t.Fatalf("routes = %+v, want %+v", routes, want)
	}
	// The same cluster listed in another order renders the same bytes.
	reversed := make([]pveclient.ClusterGuest, len(guests))
	for i, g := range guests {
		reversed[len(guests)-1-i] = g
	}
	if a, b := RenderGatewayConfig(routes), RenderGatewayConfig(GatewayRoutes(reversed, addresses, cat)); string(a) != string(b) {
		t.Fatalf("two orders of one cluster render differently:\n%s\n---\n%s", a, b)
	}
}

func TestGatewayConfigReadsBackItsRoutes(t *testing.T) {
	routes := []Route{
		{PublicPort: 8100, InternalPort: 9100, VMID: 101, Backend: "10.0.0.1:80", Hostname: "web1", CatalogID: "nginx"},
		{PublicPort: 8107, InternalPort: 9107, VMID: 109, Backend: "10.0.0.9:3000", Hostname: "gitea", CatalogID: "gitea"},
	}
	config := RenderGatewayConfig(routes)
	if got := ParseGatewayRoutes(config); !SameRoutes(got, routes) {
		t.Fatalf("read back %+v from\n%s", got, config)
	}
	for _, want := range []string{
		"frontend public-8100\n    bind :8100\n    default_backend ct-101",
		"frontend embed-9100\n    bind :9100\n    http-response del-header X-Frame-Options\n",
		`http-response replace-header Content-Security-Policy ^(.*)frame-ancestors[^;]*;?(.*)$ \1\2`,
		"backend ct-109\n    server app 10.0.0.9:3000",
		"monitor-uri " + gatewayHealthPath,
	} {
		if !strings.Contains(string(config), want) {
			t.Errorf("the configuration lacks %q:\n%s", want, config)
		}
	}
	// A route edited by hand reads as what it now serves.
	edited := strings.Replace(string(config), "server app 10.0.0.1:80", "server app 10.0.0.66:80", 1)
	got := ParseGatewayRoutes([]byte(edited))
	if len(got) != 2 || got[0].Backend != "10.0.0.66:80" {
		t.Fatalf("an edited backend reads as %+v", got)
	}
	if diff := RouteDifferences(got, routes); len(diff) != 1 || !strings.Contains(diff[0], "stale") {
		t.Fatalf("differences = %q", diff)
	}
	if ParseGatewayRoutes(RenderGatewayConfig(nil)) != nil {
		t.Fatal("an empty gateway reads routes")
	}
}

func TestRouteDifferencesNameMissingAndGoneRoutes(t *testing.T) {
	a := Route{PublicPort: 8100, InternalPort: 9100, VMID: 101, Backend: "10.0.0.1:80"}
	b := Route{PublicPort: 8101, InternalPort: 9101, VMID: 102, Backend: "10.0.0.2:80"}
	diff := RouteDifferences([]Route{a}, []Route{b})
	if len(diff) != 2 || !strings.HasPrefix(diff[0], "missing: 8101") || !strings.HasPrefix(diff[1], "no longer an app: 8100") {
		t.Fatalf("differences = %q", diff)
	}
}

func TestPublishTagsTravelWithTheUsersTags(t *testing.T) {
	if got := PublishTags([]string{"web", TagUnpublished}, true); strings.Join(got, ",") != "web" {
		t.Fatalf("publish on keeps %v", got)
	}
	if got := PublishTags([]string{"web"}, false); strings.Join(got, ",") != "web,"+TagUnpublished {
		t.Fatalf("publish off gives %v", got)
	}
}

// TestURLsFollowTheRouteDecision: of two running containers that claim one
// port, the lower VMID is served there (GatewayRoutes), so only its URL
// goes through the gateway; a stopped lower one serves nothing and leaves
// the port to the other.
func TestURLsFollowTheRouteDecision(t *testing.T) {
	original := appGuest(101, "web", "nginx", "8100", "9100")
	copied := appGuest(105, "web-copy", "nginx", "8100", "9100")
	both := []pveclient.ClusterGuest{original, copied}
	if !losesPort(both, 105, 8100, 9100) || losesPort(both, 101, 8100, 9100) {
		t.Fatal("the higher VMID must lose the port, the lower keep it")
	}
	original.Status = "stopped"
	if losesPort([]pveclient.ClusterGuest{original, copied}, 105, 8100, 9100) {
		t.Fatal("a stopped original took the port")
	}
}
