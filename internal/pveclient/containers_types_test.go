package pveclient

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// The strings below are as PVE prints them (print_property_string over
// pve-container's formats: the default key bare, then required keys, then
// the rest by name; sizes by format_size).

func TestContainerNetworkAsPVEPrintsIt(t *testing.T) {
	const s = "name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth"
	n, err := ParseContainerNetwork(s)
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != "eth0" || n.Bridge != "vmbr0" || n.Firewall == nil || !*n.Firewall || n.HWAddr != "BC:24:11:AA:BB:CC" ||
		n.IP != "dhcp" || n.Type != "veth" || n.Tag != nil || n.Extra != nil {
		t.Errorf("parsed %+v", n)
	}
	if got := n.String(); got != s {
		t.Errorf("printed %q, want %q", got, s)
	}
	const full = "name=eth1,bridge=vmbr1,firewall=0,gw=10.0.0.1,gw6=fd00::1,hwaddr=BC:24:11:00:00:01,ip=10.0.0.5/24," +
		"ip6=fd00::5/64,link_down=1,mtu=1400,rate=12.5,tag=42,trunks=10;20,type=veth"
	n, err = ParseContainerNetwork(full)
	if err != nil || n.Gateway != "10.0.0.1" || *n.Tag != 42 || *n.MTU != 1400 || *n.Firewall || !*n.LinkDown || n.Trunks != "10;20" {
		t.Errorf("parsed %+v %v", n, err)
	}
	if got := n.String(); got != full {
		t.Errorf("printed %q, want %q", got, full)
	}
}

// Setting the address of a network keeps the rest of it: name, bridge,
// MAC address and keys the client does not know, printed in PVE's order.
func TestContainerNetworkAddressChangeKeepsTheRest(t *testing.T) {
	for _, c := range []struct{ net0, ip, gw, want string }{
		{"name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth", "10.0.0.5/24", "10.0.0.1",
			"name=eth0,bridge=vmbr0,gw=10.0.0.1,hwaddr=BC:24:11:AA:BB:CC,ip=10.0.0.5/24,type=veth"},
		{"name=eth0,bridge=vmbr1,gw=10.0.0.1,ip=10.0.0.5/24", "dhcp", "", "name=eth0,bridge=vmbr1,ip=dhcp"},
		{"name=eth0,bridge=vmbr0,host-managed=1,ip=dhcp,type=veth", "10.0.0.7/24", "",
			"name=eth0,bridge=vmbr0,host-managed=1,ip=10.0.0.7/24,type=veth"},
	} {
		n, err := ParseContainerNetwork(c.net0)
		if err != nil {
			t.Fatal(err)
		}
		n.IP, n.Gateway = c.ip, c.gw
		if got := n.String(); got != c.want {
			t.Errorf("%q with ip %q gw %q: %q, want %q", c.net0, c.ip, c.gw, got, c.want)
		}
	}
}

func TestContainerMountPointAsPVEPrintsIt(t *testing.T) {
	for _, c := range []struct {
		s    string
		want ContainerMountPoint
	}{
		{"local-lvm:vm-101-disk-0,size=8G", ContainerMountPoint{Volume: "local-lvm:vm-101-disk-0", Size: 8 << 30}},
		{"local-lvm:vm-101-disk-1,mp=/srv/data,backup=1,size=2G",
			ContainerMountPoint{Volume: "local-lvm:vm-101-disk-1", Path: "/srv/data", Backup: ptr(true), Size: 2 << 30}},
		{"local:101/vm-101-disk-0.raw,size=512M", ContainerMountPoint{Volume: "local:101/vm-101-disk-0.raw", Size: 512 << 20}},
		{"tank:subvol-101-disk-0,size=1T", ContainerMountPoint{Volume: "tank:subvol-101-disk-0", Size: 1 << 40}},
		{"local-lvm:vm-101-disk-0,size=1073741825", ContainerMountPoint{Volume: "local-lvm:vm-101-disk-0", Size: 1<<30 + 1}},
		{"/mnt/share,mp=/share,acl=0,mountoptions=noatime;nosuid,quota=1,replicate=0,ro=1,shared=1",
			ContainerMountPoint{Volume: "/mnt/share", Path: "/share", ACL: ptr(false), MountOptions: "noatime;nosuid",
				Quota: ptr(true), Replicate: ptr(false), ReadOnly: ptr(true), Shared: ptr(true)}},
		{"local-lvm:vm-101-disk-2,mp=/x,size=4G,unknownkey=keep", ContainerMountPoint{Volume: "local-lvm:vm-101-disk-2", Path: "/x",
			Size: 4 << 30, Extra: map[string]string{"unknownkey": "keep"}}},
		{"local-lvm:8", ContainerMountPoint{Volume: "local-lvm:8"}},
	} {
		got, err := ParseContainerMountPoint(c.s)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q parsed as %+v (%v), want %+v", c.s, got, err, c.want)
		}
		if back := got.String(); back != c.s {
			t.Errorf("%q printed back as %q", c.s, back)
		}
	}
	if st := (ContainerMountPoint{Volume: "local-lvm:vm-101-disk-0"}).Storage(); st != "local-lvm" {
		t.Errorf("storage %q", st)
	}
	// PVE's input may give the volume as volume=, booleans as yes/on, sizes in GiB.
	mp, err := ParseContainerMountPoint("mp=/d,volume=local-lvm:vm-101-disk-1,backup=yes,ro=off,size=1.5GiB")
	if err != nil || mp.String() != "local-lvm:vm-101-disk-1,mp=/d,backup=1,ro=0,size=1536M" {
		t.Errorf("parsed %+v (%v), printed %q", mp, err, mp.String())
	}
	for _, bad := range []string{"local-lvm:a,size=big", "local-lvm:a,backup=maybe", "local-lvm:a,mp=/x,mp=/y"} {
		if _, err := ParseContainerMountPoint(bad); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

func TestContainerFeaturesAsPVEPrintsIt(t *testing.T) {
	for _, s := range []string{"nesting=1", "fuse=1,keyctl=1,mount=nfs;cifs,nesting=1", "force_rw_sys=1,nesting=0", "nesting=1,newflag=1"} {
		f, err := ParseContainerFeatures(s)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.String(); got != s {
			t.Errorf("%q printed back as %q", s, got)
		}
	}
	f, _ := ParseContainerFeatures("fuse=1,keyctl=1,mount=nfs;cifs,nesting=1")
	if !*f.Nesting || !*f.KeyCtl || !*f.Fuse || f.ForceRWSys != nil || !reflect.DeepEqual(f.Mount, []string{"nfs", "cifs"}) {
		t.Errorf("parsed %+v", f)
	}
	if _, err := ParseContainerFeatures("1"); err == nil {
		t.Error("a bare value was accepted in a format without a default key")
	}
}

func TestSizes(t *testing.T) {
	for _, c := range []struct {
		s string
		n int64
	}{{"512M", 512 << 20}, {"8G", 8 << 30}, {"1T", 1 << 40}, {"4K", 4096}, {"1000", 1000}, {"1025K", 1025 << 10}} {
		if n, err := ParseSize(c.s); err != nil || n != c.n {
			t.Errorf("ParseSize(%q) = %d %v, want %d", c.s, n, err, c.n)
		}
		if s := FormatSize(c.n); s != c.s {
			t.Errorf("FormatSize(%d) = %q, want %q", c.n, s, c.s)
		}
	}
	if n, err := ParseSize("1.5G"); err != nil || n != 1536<<20 {
		t.Errorf("1.5G: %d %v", n, err)
	}
	if s := FormatSize(0); s != "0T" {
		t.Errorf("FormatSize(0) = %q, want format_size's 0T", s)
	}
	for _, bad := range []string{"", "G", "8X", "-1G", "+2G", "eight"} {
		if _, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

func TestTags(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Tags
	}{
		{"proximity;px-app-nginx;px-pub-8100", Tags{"proximity", "px-app-nginx", "px-pub-8100"}},
		{"a,b c;d", Tags{"a", "b", "c", "d"}},
		{"a;;b,", Tags{"a", "b"}},
		{"", nil},
	} {
		if got := ParseTags(c.in); !reflect.DeepEqual(got, c.want) {
			t.Errorf("ParseTags(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if s := (Tags{"homelab", "proximity"}).String(); s != "homelab;proximity" {
		t.Errorf("printed %q", s)
	}
}

// A config as GET .../config returns it: numbers as JSON numbers, every
// option the client does not model kept, and printed back unchanged.
func TestContainerConfigFromAPI(t *testing.T) {
	const body = `{"arch":"amd64","cores":2,"description":"my app\n","digest":"0123456789abcdef0123456789abcdef01234567",
"features":"nesting=1","hostname":"blog","memory":1024,"swap":0,"net0":"name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth",
"net1":"name=eth1,bridge=vmbr1,hwaddr=BC:24:11:AA:BB:CD,ip=manual,tag=5,type=veth","onboot":1,"ostype":"alpine",
"rootfs":"local-lvm:vm-101-disk-0,size=8G","mp0":"local-lvm:vm-101-disk-1,mp=/srv/data,backup=1,size=2G",
"tags":"proximity;px-app-wordpress","unprivileged":1,"unused0":"local-lvm:vm-101-disk-2","timezone":"host","lxc":[["lxc.cap.drop",""]]}`
	var cfg ContainerConfig
	if err := json.Unmarshal([]byte(body), &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Hostname != "blog" || cfg.Memory != 1024 || cfg.Cores != 2 || cfg.Swap == nil || *cfg.Swap != 0 || !*cfg.OnBoot || !*cfg.Unprivileged ||
		cfg.RootFS.Size != 8<<30 || cfg.RootFS.Storage() != "local-lvm" || cfg.MountPoints[0].Path != "/srv/data" ||
		cfg.Networks[0].Bridge != "vmbr0" || *cfg.Networks[1].Tag != 5 || !*cfg.Features.Nesting || cfg.Description != "my app\n" ||
		!reflect.DeepEqual(cfg.Tags, Tags{"proximity", "px-app-wordpress"}) || len(cfg.Digest) != 40 {
		t.Errorf("parsed %+v", cfg)
	}
	if cfg.Extra["unused0"] != "local-lvm:vm-101-disk-2" || cfg.Extra["timezone"] != "host" || cfg.Extra["lxc"] != `[["lxc.cap.drop",""]]` {
		t.Errorf("unknown options lost: %v", cfg.Extra)
	}
	var raw map[string]any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		t.Fatal(err)
	}
	got := cfg.options()
	for k, v := range raw {
		if k == "lxc" {
			continue
		}
		if want := fmt.Sprint(v); got[k] != want {
			t.Errorf("%s printed back as %q, want %q", k, got[k], want)
		}
	}
	if len(got) != len(raw) {
		t.Errorf("%d options printed back, want %d", len(got), len(raw))
	}
	if err := json.Unmarshal([]byte(`{"rootfs":"local-lvm:vm-1-disk-0,size=huge"}`), &cfg); err == nil {
		t.Error("a rootfs with a bad size was accepted")
	}
}

// The create and restore bodies are what POST /nodes/{node}/lxc takes.
func TestCreateAndRestoreBodies(t *testing.T) {
	settings := ContainerSettings{Hostname: "blog", Memory: 512, Cores: 1, Swap: ptr(512), OnBoot: ptr(true), Unprivileged: ptr(true),
		Networks: map[int]ContainerNetwork{0: {Name: "eth0", Bridge: "vmbr0", IP: "dhcp"}}, Features: &ContainerFeatures{Nesting: ptr(true)},
		Tags: Tags{"proximity", "px-deploying"}}
	create := ContainerCreateRequest{
		OSTemplate: "local:vztmpl/alpine.tar.xz", RootFS: ContainerMountPoint{Volume: "local-lvm:4"}, ContainerSettings: settings,
	}
	got := create.createBody(101)
	want := map[string]any{"vmid": 101, "ostemplate": "local:vztmpl/alpine.tar.xz", "rootfs": "local-lvm:4", "hostname": "blog", "memory": 512,
		"cores": 1, "swap": 512, "onboot": 1, "unprivileged": 1, "net0": "name=eth0,bridge=vmbr0,ip=dhcp", "features": "nesting=1",
		"tags": "proximity;px-deploying"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("create body %v, want %v", got, want)
	}
	restore := ContainerRestoreRequest{Archive: "local:backup/x.tar.zst", Storage: "local-lvm", Unique: true}
	restore.Hostname = "blog"
	got = restore.createBody(102)
	want = map[string]any{"vmid": 102, "ostemplate": "local:backup/x.tar.zst", "restore": 1, "storage": "local-lvm", "unique": 1, "hostname": "blog"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("restore body %v, want %v", got, want)
	}
	description := ""
	u := ContainerConfigUpdate{Description: &description, Delete: []string{"description", "mp0"}, Digest: "abc", Tags: Tags{"a"}}
	if b := u.body(); !reflect.DeepEqual(b, map[string]any{"description": "", "delete": "description,mp0", "digest": "abc", "tags": "a"}) {
		t.Errorf("update body %v", b)
	}
	if n := (ContainerConfigUpdate{Digest: "abc"}).Changes(); n != 0 {
		t.Errorf("a digest alone counts as %d changes", n)
	}
	if n := u.Changes(); n != 4 {
		t.Errorf("%d changes, want 4 (description, tags, two deletes)", n)
	}
}

func ptr[T any](v T) *T { return &v }
