package pveclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

const alpine = "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"

// smallAlpine is the least a create needs: a template and a 2 GiB rootfs.
var smallAlpine = ContainerCreateRequest{OSTemplate: alpine, RootFS: ContainerMountPoint{Volume: "local-lvm:2"}}

func TestGuestLifecycle(t *testing.T) {
	sim := startSim(t, "")
	c := tokenClient(t, sim)
	ctx := context.Background()
	vmid, err := c.NextID(ctx)
	if err != nil || vmid != 100 {
		t.Fatalf("NextID %d %v", vmid, err)
	}
	if free, err := c.VMIDFree(ctx, vmid); err != nil || !free {
		t.Fatalf("VMIDFree before create: %v %v", free, err)
	}
	ours := func(cfg *ContainerConfig) bool { return slices.Contains(cfg.Tags, "proximity") }
	unprivileged := true
	opts := ContainerCreateRequest{OSTemplate: alpine, RootFS: ContainerMountPoint{Volume: "local-lvm:4"}, ContainerSettings: ContainerSettings{
		Hostname: "web", Memory: 1024, Networks: map[int]ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}},
		Tags: Tags{"proximity"}, Unprivileged: &unprivileged}}
	if err := c.CreateContainer(ctx, "pve1", vmid, opts, ours); err != nil {
		t.Fatal(err)
	}
	if free, _ := c.VMIDFree(ctx, vmid); free {
		t.Error("VMID still free after create")
	}
	err = c.CreateContainer(ctx, "pve2", vmid, opts, ours)
	if err == nil || KindOf(err) != KindAlreadyExists {
		t.Errorf("second create: %v (%v)", err, KindOf(err))
	}
	cfg, err := c.ContainerConfig(ctx, "pve1", vmid)
	if err != nil || cfg.Memory != 1024 || cfg.Hostname != "web" || len(cfg.Digest) != 40 {
		t.Fatalf("config %+v %v", cfg, err)
	}
	if n := cfg.Networks[0]; n.Name != "eth0" || n.Bridge != "vmbr0" || n.IP != "dhcp" || n.Type != "veth" || !strings.HasPrefix(n.HWAddr, "BC:24:11:") {
		t.Errorf("net0 %+v", n)
	}
	if cfg.RootFS == nil || cfg.RootFS.Storage() != "local-lvm" || cfg.RootFS.Size != 4<<30 {
		t.Errorf("rootfs %+v", cfg.RootFS)
	}
	memory, description := 2048, "app"
	update := ContainerConfigUpdate{Memory: &memory, Description: &description, Digest: cfg.Digest}
	if err := c.UpdateContainerConfig(ctx, "pve1", vmid, update); err != nil {
		t.Fatal(err)
	}
	memory = 512
	if err := c.UpdateContainerConfig(ctx, "pve1", vmid, ContainerConfigUpdate{Memory: &memory, Digest: cfg.Digest}); err == nil {
		t.Error("a stale digest was accepted")
	}
	for i := 0; i < 2; i++ { // starting a running guest is not an error
		if err := c.StartGuest(ctx, "pve1", vmid); err != nil {
			t.Fatal(err)
		}
	}
	st, _ := c.GuestStatus(ctx, "pve1", vmid)
	ip, err := c.GuestIPv4(ctx, "pve1", vmid)
	if st.Status != "running" || st.MaxMem != 2048<<20 || !strings.HasPrefix(ip, strings.TrimSuffix(sim.GuestNetwork(), "0/24")) || err != nil {
		t.Errorf("status %+v ip %q %v", st, ip, err)
	}
	if err := c.GrowDisk(ctx, "pve1", vmid, "rootfs", "+2G"); err != nil {
		t.Fatal(err)
	}
	if err := c.RebootGuest(ctx, "pve1", vmid); err != nil {
		t.Fatal(err)
	}
	if err := c.ShutdownGuest(ctx, "pve1", vmid, 30); err != nil {
		t.Fatal(err)
	}
	if err := c.StopGuest(ctx, "pve1", vmid); err != nil {
		t.Errorf("stopping a stopped guest: %v", err)
	}
	for i := 0; i < 2; i++ { // deleting a deleted guest is not an error
		if err := c.DeleteGuest(ctx, "pve1", vmid); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.GuestStatus(ctx, "pve1", vmid); !IsNotFound(err) {
		t.Errorf("after delete: %v", err)
	}
}

// TestCreateIsNotRepeatedBlindly: after a transient failure the client
// checks whether the guest exists and is ours before posting again.
func TestCreateAfterTransientFailure(t *testing.T) {
	sim := startSim(t, "595:POST /nodes/{node}/lxc=1x1")
	c := tokenClient(t, sim)
	opts := smallAlpine
	opts.Tags = Tags{"proximity"}
	if err := c.CreateContainer(context.Background(), "pve1", 101, opts, func(*ContainerConfig) bool { return true }); err != nil {
		t.Fatal(err)
	}
	st := sim.Stats()
	if st.Requests["POST /nodes/{node}/lxc"] != 2 || st.Requests["GET /nodes/{node}/lxc/{vmid}/config"] < 1 {
		t.Errorf("requests %v", st.Requests)
	}
	if st.Tasks["vzcreate"] != 1 {
		t.Errorf("%d create tasks", st.Tasks["vzcreate"])
	}
}

func TestStorageTemplatesAndBackups(t *testing.T) {
	sim := startSim(t, "")
	c := tokenClient(t, sim)
	ctx := context.Background()
	storages, err := c.Storages(ctx, "pve2")
	if err != nil || len(storages) != 2 || !storages[0].Holds("rootdir") || storages[0].ID != "local-lvm" {
		t.Fatalf("storages %+v %v", storages, err)
	}
	apps, err := c.Appliances(ctx, "pve2")
	if err != nil || len(apps) < 5 {
		t.Fatalf("appliances %v %v", apps, err)
	}
	for i := 0; i < 2; i++ {
		if err := c.DownloadTemplate(ctx, "pve2", "local", "debian-11-standard_11.7-1_amd64.tar.zst"); err != nil {
			t.Fatal(err)
		}
	}
	tmpls, _ := c.Content(ctx, "pve2", "local", "vztmpl", 0)
	if len(tmpls) != 3 {
		t.Errorf("%d templates after the download", len(tmpls))
	}
	if err := c.CreateContainer(ctx, "pve2", 150, smallAlpine, nil); err != nil {
		t.Fatal(err)
	}
	vol, err := c.Backup(ctx, "pve2", 150, BackupOptions{Storage: "local", Mode: "snapshot", Compress: "zstd", Notes: "{{guestname}}", Protected: true})
	if err != nil || !strings.HasPrefix(vol.VolID, "local:backup/vzdump-lxc-150-") || vol.Protected != 1 || vol.Notes != "CT150" {
		t.Fatalf("backup %+v %v", vol, err)
	}
	err = c.DeleteVolume(ctx, "pve2", "local", vol.VolID)
	var te *TaskError
	if !errors.As(err, &te) || !strings.Contains(te.ExitStatus, "cannot remove protected archive") {
		t.Errorf("deleting a protected backup: %v", err)
	}
	if err := c.UpdateVolume(ctx, "pve2", "local", vol.VolID, "kept", false); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteVolume(ctx, "pve2", "local", vol.VolID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteVolume(ctx, "pve2", "local", vol.VolID); err != nil {
		t.Errorf("deleting a deleted backup: %v", err)
	}
}

func TestClusterGuestsAndOnlineNodes(t *testing.T) {
	sim := startSim(t, "")
	c := tokenClient(t, sim)
	ctx := context.Background()
	if err := c.CreateContainer(ctx, "pve3", 120, ContainerCreateRequest{OSTemplate: alpine, RootFS: ContainerMountPoint{Volume: "local-lvm:2"},
		ContainerSettings: ContainerSettings{Tags: Tags{"px-pub-8100", "Proximity", "px-int-9100"}}}, nil); err != nil {
		t.Fatal(err)
	}
	guests, err := c.ClusterGuests(ctx)
	if err != nil || len(guests) != 1 || guests[0].Node != "pve3" || guests[0].Type != "lxc" || guests[0].Name != "CT120" ||
		strings.Join(guests[0].Tags, ",") != "proximity,px-int-9100,px-pub-8100" {
		t.Fatalf("guest tags %+v %v", guests, err)
	}
	nodes, err := c.OnlineNodes(ctx)
	if err != nil || strings.Join(nodes, ",") != "pve3,pve2,pve1" {
		t.Errorf("online nodes %v %v", nodes, err)
	}
	addr, err := c.NodeAddress(ctx, "pve2")
	if err != nil || addr != "127.0.0.1" {
		t.Errorf("address %q %v", addr, err)
	}
}

// Every option the simulator prints (as PVE's print_property_string and
// format_size do) is read into the typed config and printed back the same.
func TestContainerConfigPrintsAsPVEDoes(t *testing.T) {
	sim := startSim(t, "")
	c := tokenClient(t, sim)
	ctx := context.Background()
	yes, no, tag, swap := true, false, 7, 0
	req := ContainerCreateRequest{OSTemplate: alpine, RootFS: ContainerMountPoint{Volume: "local-lvm:1"}, ContainerSettings: ContainerSettings{
		Hostname: "web", Memory: 768, Cores: 2, Swap: &swap, Unprivileged: &yes, OnBoot: &no, Features: &ContainerFeatures{Nesting: &yes},
		Tags: Tags{"b", "a"}, Description: "two\nlines",
		Networks: map[int]ContainerNetwork{
			0: {Name: "eth0", Bridge: "vmbr0", IP: "10.0.0.5/24", Gateway: "10.0.0.1", Firewall: &yes},
			1: {Name: "eth1", Bridge: "vmbr0", IP: "manual", Tag: &tag, MTU: ptr(1400)},
		}}}
	if err := c.CreateContainer(ctx, "pve1", 130, req, nil); err != nil {
		t.Fatal(err)
	}
	mp := ContainerMountPoint{Volume: "local-lvm:1", Path: "/srv/data", Backup: &yes, ACL: &no, ReadOnly: &no, MountOptions: "noatime"}
	update := ContainerConfigUpdate{MountPoints: map[int]ContainerMountPoint{0: mp}, Tags: Tags{"a", "c", "b"}}
	if err := c.UpdateContainerConfig(ctx, "pve1", 130, update); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := c.api.Get(ctx, guestPath("pve1", 130)+"/config", &raw); err != nil {
		t.Fatal(err)
	}
	cfg, err := c.ContainerConfig(ctx, "pve1", 130)
	if err != nil {
		t.Fatal(err)
	}
	printed := cfg.options()
	for k, v := range raw {
		if printed[k] != fmt.Sprint(v) {
			t.Errorf("%s: printed back %q, PVE prints %q", k, printed[k], fmt.Sprint(v))
		}
	}
	if len(printed) != len(raw) {
		t.Errorf("%d options printed back, PVE has %d: %v", len(printed), len(raw), printed)
	}
	if m := cfg.MountPoints[0]; m.Path != "/srv/data" || m.Size != 1<<30 || !*m.Backup || *m.ACL || m.MountOptions != "noatime" {
		t.Errorf("mp0 %+v", m)
	}
	if n := cfg.Networks[1]; *n.Tag != 7 || *n.MTU != 1400 || n.IP != "manual" {
		t.Errorf("net1 %+v", n)
	}
}
