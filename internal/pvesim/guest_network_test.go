package pvesim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// testGuestNetwork is a loopback /24 for one test's simulator, in
// 127.192.0.0/10 (pvesimtest hands out 127.64.0.0/10), random so that
// parallel test processes rarely meet.
func testGuestNetwork() string {
	i := rand.IntN(1 << 14)
	return fmt.Sprintf("127.%d.%d.0/24", 192+i>>8, i&0xff)
}

// webApp starts CT vmid (Alpine template, hostname shop) with docker and
// brings up project "app" with service web publishing port.
func webApp(t *testing.T, sim *Simulator, vmid, port int) netip.Addr {
	t.Helper()
	createCT(t, sim, "pve1", vmid, url.Values{"start": {"1"}, "hostname": {"shop"}})
	script := "apk add docker docker-cli-compose && rc-update add docker default && service docker start && mkdir -p /opt/app && " +
		"cat > /opt/app/compose.yaml && cd /opt/app && docker compose up -d"
	compose := fmt.Sprintf("services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"%d:80\"\n", port)
	if code, out, errOut := inCT(t, sim, vmid, script, compose); code != 0 {
		t.Fatalf("compose up: %d %s %s", code, out, errOut)
	}
	return guestAddrOf(t, sim, vmid)
}

func guestAddrOf(t *testing.T, sim *Simulator, vmid int) netip.Addr {
	t.Helper()
	sim.mu.Lock()
	defer sim.mu.Unlock()
	p, err := netip.ParsePrefix(sim.guests[vmid].IP)
	if err != nil {
		t.Fatalf("CT %d has no address: %q", vmid, sim.guests[vmid].IP)
	}
	return p.Addr()
}

// eventually retries get until check accepts it (the reconciler binds
// and closes sockets asynchronously) or 10 s pass.
func eventually[T any](t *testing.T, what string, get func() T, check func(T) bool) T {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		v := get()
		if check(v) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still %+v", what, v)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type fetched struct {
	status int
	header http.Header
	body   string
	err    error
}

func fetchPage(client *http.Client, target string) fetched {
	resp, err := client.Get(target)
	if err != nil {
		return fetched{err: err}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return fetched{status: resp.StatusCode, header: resp.Header, body: string(body)}
}

func refused(f fetched) bool { return errors.Is(f.err, syscall.ECONNREFUSED) }

// checkAppPage asserts the page names app, service and container, and
// carries the frame-blocking headers a gateway's embed port strips.
func checkAppPage(t *testing.T, f fetched, vmid int) {
	t.Helper()
	for _, want := range []string{"app <b>app</b>", "service <b>web</b>", "container <b>app-web-1</b>", fmt.Sprintf("CT %d (shop)", vmid)} {
		if !strings.Contains(f.body, want) {
			t.Errorf("page lacks %q:\n%s", want, f.body)
		}
	}
	if f.header.Get("X-Frame-Options") != "SAMEORIGIN" || f.header.Get("Content-Security-Policy") != "default-src 'self'; frame-ancestors 'self'" {
		t.Errorf("headers %v", f.header)
	}
}

// TestGuestNetworkServesAppPorts: with a guest network, a published port
// of a running compose service answers real HTTP at the guest's address;
// compose stop, and a stopped guest, close it as a real host would.
func TestGuestNetworkServesAppPorts(t *testing.T) {
	network := testGuestNetwork()
	sim := startSim(t, Options{GuestNetwork: network})
	addr := webApp(t, sim, 150, 8080)
	if !netip.MustParsePrefix(network).Contains(addr) || sim.Info().GuestNetwork != network {
		t.Fatalf("CT 150 at %s, guest network %q, want inside %s", addr, sim.Info().GuestNetwork, network)
	}
	// The guest's routes follow its lease: the gateway is the range's
	// first host address.
	gw := netip.MustParsePrefix(network).Addr().Next()
	if _, out, _ := inCT(t, sim, 150, "ip route", ""); !strings.Contains(out, "default via "+gw.String()+" dev eth0\n"+network+" dev eth0") {
		t.Errorf("ip route:\n%s", out)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	target := "http://" + netip.AddrPortFrom(addr, 8080).String() + "/"
	page := eventually(t, "GET "+target, func() fetched { return fetchPage(client, target) }, func(f fetched) bool { return f.status == 200 })
	checkAppPage(t, page, 150)

	if code, _, errOut := inCT(t, sim, 150, "cd /opt/app && docker compose stop", ""); code != 0 {
		t.Fatalf("compose stop: %s", errOut)
	}
	eventually(t, "after compose stop", func() fetched { return fetchPage(client, target) }, refused)
	if code, _, errOut := inCT(t, sim, 150, "cd /opt/app && docker compose start", ""); code != 0 {
		t.Fatalf("compose start: %s", errOut)
	}
	eventually(t, "after compose start", func() fetched { return fetchPage(client, target) }, func(f fetched) bool { return f.status == 200 })

	// A new address (a static one set while running) moves the listener.
	moved := netip.AddrPortFrom(netip.MustParsePrefix(network).Addr().Next().Next().Next().Next(), 8080) // .4
	r := call(t, sim, http.MethodPut, "/nodes/pve1/lxc/150/config", url.Values{"net0": {"name=eth0,bridge=vmbr0,ip=" + moved.Addr().String() + "/24"}})
	if r.Status != 200 {
		t.Fatalf("set a static address: %s", r.Raw)
	}
	eventually(t, "the old address", func() fetched { return fetchPage(client, target) }, refused)
	target = "http://" + moved.String() + "/"
	eventually(t, "the new address", func() fetched { return fetchPage(client, target) }, func(f fetched) bool { return f.status == 200 })

	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/150/status/stop", nil)
	if status := waitTask(t, sim, mustString(t, data(r))); status != "OK" {
		t.Fatalf("stop: %s", status)
	}
	eventually(t, "after the guest stopped", func() fetched { return fetchPage(client, target) }, refused)
}

// TestGuestNetworkBindFailureReportedOnce: a port someone else holds is
// reported once, whatever the number of reconciles, and is still reached
// through dialGuest; an unknown port is refused as a real connect is.
func TestGuestNetworkBindFailureReportedOnce(t *testing.T) {
	var mu sync.Mutex
	var lines []string
	logf := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, fmt.Sprintf(format, args...))
	}
	sim := startSim(t, Options{GuestNetwork: testGuestNetwork(), Logf: logf})
	createCT(t, sim, "pve1", 151, url.Values{"start": {"1"}, "hostname": {"shop"}})
	holder, err := net.Listen("tcp4", netip.AddrPortFrom(guestAddrOf(t, sim, 151), 8081).String())
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	script := "apk add docker docker-cli-compose && service docker start && mkdir -p /opt/app && cat > /opt/app/compose.yaml && " +
		"cd /opt/app && docker compose up -d"
	if code, _, errOut := inCT(t, sim, 151, script, "services:\n  web:\n    image: nginx:1.27\n    ports: [\"8081:80\"]\n"); code != 0 {
		t.Fatalf("compose up: %s", errOut)
	}
	for range 5 {
		sim.reconcileNetwork()
	}
	mu.Lock()
	var reports []string
	for _, l := range lines {
		if strings.Contains(l, "cannot listen on") {
			reports = append(reports, l)
		}
	}
	mu.Unlock()
	if len(reports) != 1 || !strings.Contains(reports[0], "service web of app app in CT 151") ||
		!strings.Contains(reports[0], "address already in use") {
		t.Errorf("reports %q, want one naming the service and the cause", reports)
	}

	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: sim.dialGuest}}
	addr := guestAddrOf(t, sim, 151)
	checkAppPage(t, fetchPage(client, "http://"+netip.AddrPortFrom(addr, 8081).String()+"/"), 151)
	_, err = sim.dialGuest(context.Background(), "tcp", netip.AddrPortFrom(addr, 81).String())
	want := fmt.Sprintf("dial tcp %s:81: connect: connection refused", addr)
	if !errors.Is(err, syscall.ECONNREFUSED) || err.Error() != want {
		t.Errorf("unknown port: %v, want %s", err, want)
	}
}

// TestDialGuestOutsideTheGuestNetwork: without the option leases stay in
// the 10.10.0.0/16 pool, nothing is bound, and dialGuest still reaches a
// guest's app (as it does an SDN vnet's guests).
func TestDialGuestOutsideTheGuestNetwork(t *testing.T) {
	sim := startSim(t, Options{})
	addr := webApp(t, sim, 152, 8082)
	if !netip.MustParsePrefix("10.10.0.0/16").Contains(addr) || sim.GuestNetwork() != "" || sim.Info().GuestNetwork != "" {
		t.Fatalf("CT 152 at %s, guest network %q", addr, sim.GuestNetwork())
	}
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: sim.DialGuest}}
	checkAppPage(t, fetchPage(client, "http://"+netip.AddrPortFrom(addr, 8082).String()+"/"), 152)
	if f := fetchPage(client, "http://10.10.250.250:8082/"); !refused(f) {
		t.Errorf("no guest there: %+v", f)
	}
}

// TestGuestNetworkLeases: leases come from the range with its prefix
// length, skip the network, gateway and broadcast addresses, are never
// shared by two running guests, and run out as a DHCP pool does.
func TestGuestNetworkLeases(t *testing.T) {
	network := netip.MustParsePrefix(strings.Replace(testGuestNetwork(), "/24", "/29", 1)) // .2 to .6: five leases
	sim := startSim(t, Options{GuestNetwork: network.String()})
	held := map[netip.Addr]int{}
	for vmid := 160; vmid < 165; vmid++ {
		createCT(t, sim, "pve1", vmid, url.Values{"start": {"1"}})
		sim.mu.Lock()
		lease := sim.guests[vmid].IP
		sim.mu.Unlock()
		p, err := netip.ParsePrefix(lease)
		last := p.Addr().As4()[3] & 7
		if err != nil || p.Bits() != 29 || !network.Contains(p.Addr()) || last < 2 || last == 7 || held[p.Addr()] != 0 {
			t.Fatalf("CT %d leased %q in %s (held %v)", vmid, lease, network, held)
		}
		held[p.Addr()] = vmid
	}
	createCT(t, sim, "pve1", 165, url.Values{"start": {"1"}})
	if ip := guestIP(sim, 165); ip != "" {
		t.Errorf("a sixth guest in a /29 leased %q", ip)
	}
	// A stopped guest's address goes back to the pool.
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/162/status/stop", nil)
	waitTask(t, sim, mustString(t, data(r)))
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/165/status/stop", nil)
	waitTask(t, sim, mustString(t, data(r)))
	r = call(t, sim, http.MethodPost, "/nodes/pve1/lxc/165/status/start", nil)
	waitTask(t, sim, mustString(t, data(r)))
	if p, err := netip.ParsePrefix(guestIP(sim, 165)); err != nil || held[p.Addr()] != 162 {
		t.Errorf("CT 165 leased %q, want CT 162's old address (held %v)", guestIP(sim, 165), held)
	}
}

func guestIP(sim *Simulator, vmid int) string {
	sim.mu.Lock()
	defer sim.mu.Unlock()
	return sim.guests[vmid].IP
}
