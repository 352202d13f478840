package deploy

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestRewriteAuthorizedKeys: the keys go into PVE's section, where it is
// or at the end (PVE::LXC::Setup::Base ct_modify_file); lines outside it
// stay unless they are previous or new keys; no keys, no section.
func TestRewriteAuthorizedKeys(t *testing.T) {
	section := func(keys ...string) string {
		return pveSectionBegin + "\n" + strings.Join(keys, "\n") + "\n" + pveSectionEnd + "\n"
	}
	for _, c := range []struct{ name, current, keys, previous, want string }{
		{"created by PVE", section("ssh-ed25519 A old"), "ssh-ed25519 B new\n", "ssh-ed25519 A old", section("ssh-ed25519 B new")},
		{"user lines kept in place", "ssh-rsa U user\n" + section("ssh-ed25519 A old") + "ssh-rsa V user2\n", "ssh-ed25519 B new",
			"ssh-ed25519 A old", "ssh-rsa U user\n" + section("ssh-ed25519 B new") + "ssh-rsa V user2\n"},
		{"restored bare file", "ssh-ed25519 A old\n", "ssh-ed25519 B new", "ssh-ed25519 A old", section("ssh-ed25519 B new")},
		{"no file", "", "ssh-ed25519 B new\nssh-ed25519 C two", "", section("ssh-ed25519 B new", "ssh-ed25519 C two")},
		{"keys removed", "ssh-rsa U user\n" + section("ssh-ed25519 A old"), "", "ssh-ed25519 A old", "ssh-rsa U user\n"},
		{"nothing left", section("ssh-ed25519 A old"), "", "ssh-ed25519 A old", ""},
	} {
		if got := rewriteAuthorizedKeys(c.current, c.keys, c.previous); got != c.want {
			t.Errorf("%s:\n%s\nwant\n%s", c.name, got, c.want)
		}
	}
}

// TestRenameInHosts: only PVE's section of /etc/hosts is renamed, the name
// alone and as a domain name's first label (update_etc_hosts writes both).
func TestRenameInHosts(t *testing.T) {
	hosts := "10.0.0.9 old-db\n# --- BEGIN PVE ---\n127.0.1.1 old.lan old\n# --- END PVE ---\n"
	got, ok := renameInHosts(hosts, "old", "new")
	if want := "10.0.0.9 old-db\n# --- BEGIN PVE ---\n127.0.1.1 new.lan new\n# --- END PVE ---\n"; !ok || got != want {
		t.Errorf("%v:\n%s", ok, got)
	}
	if _, ok := renameInHosts("127.0.0.1 localhost\n", "old", "new"); ok {
		t.Error("a file without PVE's section was renamed")
	}
}

// TestUpdateRenamesKeysAndMovesPortsInPlace: one update renames the
// running app (the config at once, as PVE's fast-plug hostname does, and
// inside: hostname, /etc/hostname), rewrites root's keys, and moves the app
// to the pair of a port allocation: tags rewritten, its own pair released
// after. The data stays; a later create of the old name makes a new
// container and takes neither this one nor its pair; moving back gives the
// app a new own pair under its new name.
func TestUpdateRenamesKeysAndMovesPortsInPlace(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "one", SSHPublicKeys: "ssh-ed25519 AAAA old"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := created.App
	inApp(t, d, app, "sh", "-c", "echo kept > /root/data")
	pa, err := d.Ports.Allocate(ctx, "shared", 0)
	if err != nil {
		t.Fatal(err)
	}
	c := Change{CatalogID: "nginx", Identity: app.Identity, Hostname: "one", NewHostname: "two", AllocationID: app.AllocationID,
		Keys:       &Keys{Keys: "ssh-ed25519 AAAA new", Previous: "ssh-ed25519 AAAA old"},
		Ports:      &PortMove{AllocationID: pa.ID, OwnAllocationID: app.AllocationID},
		PublicPort: app.PublicPort, InternalPort: app.InternalPort}
	steps, err := d.Update(ctx, app.Node, app.VMID, c)
	if err != nil {
		t.Fatal(err)
	}
	names := stepNames(steps)
	if want := "check hostname,move allocation owner,move ports,update config,rename,set ssh keys,release previous ports"; names != want {
		t.Errorf("steps %s, want %s", names, want)
	}
	if c.Ports.Moved != (MovedPorts{PublicPort: pa.PublicPort, InternalPort: pa.InternalPort}) {
		t.Errorf("moved to %+v, want %+v", c.Ports.Moved, pa)
	}
	o, err := d.Observe(ctx, app.Node, app.VMID)
	if err != nil || o.Hostname != "two" || o.PublicPort != pa.PublicPort || o.InternalPort != pa.InternalPort || o.Identity != app.Identity {
		t.Errorf("after the update: %+v %v", o, err)
	}
	if out, _ := inApp(t, d, app, "sh", "-c", "hostname; cat /etc/hostname /root/data /root/.ssh/authorized_keys; grep 127.0.1.1 /etc/hosts"); out !=
		"two\ntwo\nkept\n# --- BEGIN PVE ---\nssh-ed25519 AAAA new\n# --- END PVE ---\n127.0.1.1 two\n" {
		t.Errorf("inside:\n%s", out)
	}
	if _, ok, _ := d.Ports.Get(ctx, app.AllocationID); ok || allocations(t, d) != 1 {
		t.Errorf("the app's own pair %s is still allocated (%d allocations)", app.AllocationID, allocations(t, d))
	}
	again, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "one"}, nil)
	if err != nil || again.VMID == app.VMID || again.PublicPort == pa.PublicPort {
		t.Fatalf("a create of the old name: CT %d ports %d, %v", again.VMID, again.PublicPort, err)
	}
	back := &PortMove{}
	if _, err := d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "nginx", Identity: app.Identity, Hostname: "two", Ports: back}); err != nil {
		t.Fatal(err)
	}
	own, ok, err := d.Ports.Get(ctx, back.Moved.AllocationID)
	if err != nil || !ok || own.Application != "two" || own.PublicPort == pa.PublicPort || own.PublicPort == again.PublicPort {
		t.Errorf("back to an own pair: %+v %v %v", own, ok, err)
	}
	if _, ok, _ := d.Ports.Get(ctx, pa.ID); !ok {
		t.Error("the port allocation's pair was released")
	}
}

// TestUpdateRefusesTakenNameAndPorts: a hostname another application has
// and a pair another container records are refused before anything
// changes.
func TestUpdateRefusesTakenNameAndPorts(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	a, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "a"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	pa, err := d.Ports.Allocate(ctx, "shared", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Update(ctx, b.Node, b.VMID, Change{CatalogID: "nginx", Identity: b.Identity, Hostname: "b",
		Ports: &PortMove{AllocationID: pa.ID, OwnAllocationID: b.AllocationID}}); err != nil {
		t.Fatal(err)
	}
	var taken *HostnameTakenError
	if _, err := d.Update(ctx, a.Node, a.VMID, Change{CatalogID: "nginx", Identity: a.Identity, Hostname: "a", NewHostname: "b",
		Memory: 1024}); !errors.As(err, &taken) || !strings.Contains(err.Error(), `"b" is already the application nginx of CT`) {
		t.Errorf("rename to b: %v", err)
	}
	var conflict *PortConflictError
	_, err = d.Update(ctx, a.Node, a.VMID, Change{CatalogID: "nginx", Identity: a.Identity, Hostname: "a", Memory: 1024,
		Ports: &PortMove{AllocationID: pa.ID, OwnAllocationID: a.AllocationID}})
	if !errors.As(err, &conflict) || !strings.Contains(err.Error(), "already recorded on CT") {
		t.Errorf("move to b's pair: %v", err)
	}
	o, _ := d.Observe(ctx, a.Node, a.VMID)
	if o.Hostname != "a" || o.Memory == 1024 || o.PublicPort != a.PublicPort {
		t.Errorf("a refused update changed the container: %+v", o)
	}
	if _, ok, _ := d.Ports.Get(ctx, a.AllocationID); !ok {
		t.Error("a refused move released the app's pair")
	}
}

// TestBridgeChangeHotplugsNet0: a new bridge moves net0 of the running
// container, keeping its MAC address, name and address settings
// (pve-container src/PVE/LXC.pm update_net).
func TestBridgeChangeHotplugsNet0(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	created, err := d.Create(ctx, Spec{CatalogID: "nginx", Hostname: "web", Node: "pve1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	app := created.App
	onNode(t, d, "pve1", "printf '\\nauto vmbr1\\niface vmbr1 inet manual\\n\\tbridge-ports none\\n' >> /etc/network/interfaces")
	before, err := d.Client.ContainerConfig(ctx, app.Node, app.VMID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Update(ctx, app.Node, app.VMID, Change{CatalogID: "nginx", Network: &Network{Bridge: "vmbr1"}}); err != nil {
		t.Fatal(err)
	}
	after, err := d.Client.ContainerConfig(ctx, app.Node, app.VMID)
	if err != nil {
		t.Fatal(err)
	}
	want := before.Networks[0]
	want.Bridge = "vmbr1"
	if after.Networks[0].String() != want.String() {
		t.Errorf("net0 %s, want %s", after.Networks[0], want)
	}
	if st, _ := d.Client.GuestStatus(ctx, app.Node, app.VMID); st.Status != "running" {
		t.Errorf("status %s after the hot-plug", st.Status)
	}
}

func stepNames(steps []Step) string {
	var names []string
	for _, s := range steps {
		names = append(names, s.Name)
	}
	return strings.Join(names, ",")
}
