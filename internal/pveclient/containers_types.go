package pveclient

import (
	"fmt"
	"strings"
)

// The typed values of a container's configuration (pve-container's
// src/PVE/LXC/Config.pm formats). Each property-string type reads and
// prints itself with the one parser and printer in property_string.go, and
// keeps the keys it does not model in Extra, so that a value read, changed
// and written back loses nothing.

// mountPointFormat is the format of rootfs and mpN: the volume is the
// default key; a mount point requires its path.
var mountPointFormat = propertyFormat{defaultKey: "volume", required: []string{"mp"}}

// ContainerMountPoint is a rootfs or mpN value
// ("local-lvm:vm-101-disk-1,mp=/srv/data,backup=1,size=2G"). On a create,
// Volume may be "STORAGE:SIZE_IN_GiB" to allocate a new volume.
type ContainerMountPoint struct {
	Volume       string
	Path         string // mp=; never printed for rootfs
	Size         int64  // bytes; 0 when PVE gave none
	ACL          *bool
	Backup       *bool
	MountOptions string // mountoptions=, ';'-separated (noatime;nosuid)
	Quota        *bool
	Replicate    *bool
	ReadOnly     *bool // ro=
	Shared       *bool
	Extra        map[string]string
}

// ParseContainerMountPoint reads a rootfs or mpN value as PVE prints it.
func ParseContainerMountPoint(s string) (ContainerMountPoint, error) {
	values, err := parseProperties(mountPointFormat, s)
	if err != nil {
		return ContainerMountPoint{}, err
	}
	mp := ContainerMountPoint{Volume: take(values, "volume"), Path: take(values, "mp"), MountOptions: take(values, "mountoptions")}
	if size, ok := values["size"]; ok {
		if mp.Size, err = ParseSize(take(values, "size")); err != nil {
			return ContainerMountPoint{}, fmt.Errorf("size of %q: %w", size, err)
		}
	}
	for key, dst := range map[string]**bool{"acl": &mp.ACL, "backup": &mp.Backup, "quota": &mp.Quota,
		"replicate": &mp.Replicate, "ro": &mp.ReadOnly, "shared": &mp.Shared} {
		if *dst, err = takeBool(values, key); err != nil {
			return ContainerMountPoint{}, err
		}
	}
	mp.Extra = leftover(values)
	return mp, nil
}

// String prints the value as print_ct_mountpoint does.
func (mp ContainerMountPoint) String() string {
	values := withExtra(mp.Extra)
	put(values, "volume", mp.Volume)
	put(values, "mp", mp.Path)
	put(values, "mountoptions", mp.MountOptions)
	if mp.Size != 0 {
		values["size"] = FormatSize(mp.Size)
	}
	putBool(values, "acl", mp.ACL)
	putBool(values, "backup", mp.Backup)
	putBool(values, "quota", mp.Quota)
	putBool(values, "replicate", mp.Replicate)
	putBool(values, "ro", mp.ReadOnly)
	putBool(values, "shared", mp.Shared)
	return printProperties(mountPointFormat, values)
}

// Storage is the storage part of the volume ("local-lvm" of "local-lvm:vm-101-disk-0").
func (mp ContainerMountPoint) Storage() string {
	storage, _, _ := strings.Cut(mp.Volume, ":")
	return storage
}

// networkFormat is the format of netN: no default key, the name required.
var networkFormat = propertyFormat{required: []string{"name"}}

// ContainerNetwork is a netN value
// ("name=eth0,bridge=vmbr0,firewall=1,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth").
type ContainerNetwork struct {
	Name     string
	Bridge   string
	HWAddr   string // hwaddr=; PVE generates one when a create gives none
	IP       string // ip=: dhcp, manual or CIDR
	Gateway  string // gw=
	IP6      string
	Gateway6 string // gw6=
	Firewall *bool
	LinkDown *bool // link_down=
	MTU      *int
	Rate     string // MB/s, a number as text
	Tag      *int   // VLAN tag
	Trunks   string // ';'-separated VLAN ids
	Type     string // veth (PVE sets it)
	Extra    map[string]string
}

// ParseContainerNetwork reads a netN value as PVE prints it.
func ParseContainerNetwork(s string) (ContainerNetwork, error) {
	values, err := parseProperties(networkFormat, s)
	if err != nil {
		return ContainerNetwork{}, err
	}
	n := ContainerNetwork{Name: take(values, "name"), Bridge: take(values, "bridge"), HWAddr: take(values, "hwaddr"),
		IP: take(values, "ip"), Gateway: take(values, "gw"), IP6: take(values, "ip6"), Gateway6: take(values, "gw6"),
		Rate: take(values, "rate"), Trunks: take(values, "trunks"), Type: take(values, "type")}
	if n.Firewall, err = takeBool(values, "firewall"); err != nil {
		return ContainerNetwork{}, err
	}
	if n.LinkDown, err = takeBool(values, "link_down"); err != nil {
		return ContainerNetwork{}, err
	}
	if n.MTU, err = takeInt(values, "mtu"); err != nil {
		return ContainerNetwork{}, err
	}
	if n.Tag, err = takeInt(values, "tag"); err != nil {
		return ContainerNetwork{}, err
	}
	n.Extra = leftover(values)
	return n, nil
}

// String prints the value as print_lxc_network does.
func (n ContainerNetwork) String() string {
	values := withExtra(n.Extra)
	for k, v := range map[string]string{"name": n.Name, "bridge": n.Bridge, "hwaddr": n.HWAddr, "ip": n.IP, "gw": n.Gateway,
		"ip6": n.IP6, "gw6": n.Gateway6, "rate": n.Rate, "trunks": n.Trunks, "type": n.Type} {
		put(values, k, v)
	}
	putBool(values, "firewall", n.Firewall)
	putBool(values, "link_down", n.LinkDown)
	putInt(values, "mtu", n.MTU)
	putInt(values, "tag", n.Tag)
	return printProperties(networkFormat, values)
}

// ContainerFeatures is the features value ("fuse=1,keyctl=1,mount=nfs;cifs,nesting=1").
type ContainerFeatures struct {
	Nesting    *bool
	KeyCtl     *bool // keyctl=
	Fuse       *bool
	ForceRWSys *bool    // force_rw_sys=
	Mount      []string // file system types allowed to mount, ';'-separated in the value
	Extra      map[string]string
}

// ParseContainerFeatures reads a features value as PVE prints it.
func ParseContainerFeatures(s string) (ContainerFeatures, error) {
	values, err := parseProperties(propertyFormat{}, s)
	if err != nil {
		return ContainerFeatures{}, err
	}
	var f ContainerFeatures
	for key, dst := range map[string]**bool{"nesting": &f.Nesting, "keyctl": &f.KeyCtl, "fuse": &f.Fuse, "force_rw_sys": &f.ForceRWSys} {
		if *dst, err = takeBool(values, key); err != nil {
			return ContainerFeatures{}, err
		}
	}
	if m := take(values, "mount"); m != "" {
		f.Mount = strings.Split(m, ";")
	}
	f.Extra = leftover(values)
	return f, nil
}

// String prints the value as PVE does.
func (f ContainerFeatures) String() string {
	values := withExtra(f.Extra)
	putBool(values, "nesting", f.Nesting)
	putBool(values, "keyctl", f.KeyCtl)
	putBool(values, "fuse", f.Fuse)
	putBool(values, "force_rw_sys", f.ForceRWSys)
	put(values, "mount", strings.Join(f.Mount, ";"))
	return printProperties(propertyFormat{}, values)
}
