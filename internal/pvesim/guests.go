package pvesim

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// creationOnly are POST parameters that steer the creation and are not
// written to the config.
var creationOnly = map[string]bool{
	"node": true, "vmid": true, "ostemplate": true, "password": true, "ssh-public-keys": true,
	"storage": true, "force": true, "restore": true, "unique": true, "start": true, "pool": true,
	"ignore-unpack-errors": true, "bwlimit": true,
}

// guestOn finds a guest on a node; PVE only looks at that node's config directory.
func (s *Simulator) guestOn(nodeName string, vmid int) (*guest, *apiError) {
	g, ok := s.guests[vmid]
	if !ok || g.Node != nodeName {
		return nil, noSuchGuest(nodeName, vmid)
	}
	return g, nil
}

func checkUnlocked(g *guest) *apiError {
	if g.Lock != "" {
		return fail("CT is locked (%s)", g.Lock)
	}
	return nil
}

func (s *Simulator) listGuests(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []any{}
	for _, g := range s.sortedGuests() {
		if g.Node == r.node() && r.acc.has(r.authid, "/vms/"+itoa(g.VMID), "VM.Audit") {
			item := s.guestStatusJSON(g)
			item["type"] = "lxc"
			out = append(out, item)
		}
	}
	return out, nil
}

func (s *Simulator) guestIndex(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.guestOn(r.node(), r.vmid()); err != nil {
		return nil, err
	}
	var out []any
	for _, sub := range []string{"config", "pending", "status", "vncproxy", "termproxy", "vncwebsocket", "spiceproxy", "remote_migrate", "migrate", "clone", "rrd", "rrddata", "firewall", "snapshot", "resize", "interfaces"} {
		out = append(out, map[string]any{"subdir": sub})
	}
	return out, nil
}

// guestStatusJSON is the status/current body (also the base of list items).
func (s *Simulator) guestStatusJSON(g *guest) map[string]any {
	status := "stopped"
	var uptime, mem, cpu int64
	if g.Running {
		status = "running"
		uptime = int64(s.clock.simulatedAge(g.StartedAt).Seconds())
		mem = min(g.memoryMB()*mib, 96*mib+int64(len(g.Config))*mib)
		cpu = 0
	}
	out := map[string]any{
		"vmid": g.VMID, "status": status, "name": g.name(), "cpus": g.cores(),
		"maxmem": g.memoryMB() * mib, "maxswap": int64(atoiDefault(g.Config["swap"], 512)) * mib,
		"mem": mem, "swap": 0, "maxdisk": g.diskBytes(), "disk": min(g.diskBytes(), 400*mib+g.RootFS.Size()),
		"uptime": uptime, "cpu": cpu, "netin": 0, "netout": 0, "diskread": 0, "diskwrite": 0,
		"ha": map[string]any{"managed": 0},
	}
	if tags := g.Config["tags"]; tags != "" {
		out["tags"] = tags
	}
	if g.Lock != "" {
		out["lock"] = g.Lock
	}
	if g.Running {
		out["pid"] = g.PID
	}
	if g.Config["template"] == "1" {
		out["template"] = 1
	}
	return out
}

func (s *Simulator) guestStatus(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	return s.guestStatusJSON(g), nil
}

// getGuestConfig returns the config with PVE's JSON types and the digest.
func (s *Simulator) getGuestConfig(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	return s.typedConfig(g), nil
}

func (s *Simulator) typedConfig(g *guest) map[string]any {
	props := s.schema["/nodes/{node}/lxc/{vmid}/config"]["PUT"].Parameters
	out := map[string]any{"digest": configDigest(g.Config)}
	for k, v := range g.Config {
		out[k] = v
		if p, ok := props.Lookup(k); ok && (p.Type == "integer" || p.Type == "boolean") {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				out[k] = n
			}
		} else if ok && p.Type == "number" {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				out[k] = f
			}
		}
	}
	if g.Lock != "" {
		out["lock"] = g.Lock
	}
	return out
}

// normalizeTags splits, lowercases, sorts and de-duplicates tags as PVE writes them.
func normalizeTags(tags string) string {
	seen := map[string]bool{}
	var out []string
	for _, t := range strings.FieldsFunc(tags, func(r rune) bool { return r == ';' || r == ',' || r == ' ' }) {
		t = strings.ToLower(t)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ";")
}

// normalizeNet fills what pct writes for a network device: a generated
// hwaddr with Proxmox's BC:24:11 prefix and type=veth.
func (s *Simulator) normalizeNet(value string) string {
	if propertyValue(value, "hwaddr") == "" {
		b := randomBytes(3)
		value = setProperty(value, "hwaddr", fmt.Sprintf("BC:24:11:%02X:%02X:%02X", b[0], b[1], b[2]))
	}
	return setProperty(value, "type", "veth")
}

func (s *Simulator) createGuest(r *request) (any, error) {
	if r.bool("restore") {
		return s.restoreGuest(r)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	vmid := r.vmid()
	if existing, ok := s.guests[vmid]; ok {
		return nil, fail("CT %d already exists on node '%s'", vmid, existing.Node)
	}
	if aerr := s.checkCreatePerms(r, nil); aerr != nil {
		return nil, aerr
	}
	tmpl, aerr := s.findVolume(n, r.params["ostemplate"])
	if aerr != nil {
		return nil, aerr
	}
	if tmpl.Content != "vztmpl" {
		return nil, fail("unable to use volume %s - content type needs to be 'vztmpl'", tmpl.VolID)
	}
	storageID := r.params["storage"]
	if storageID == "" {
		storageID = "local"
	}
	rootfs := r.params["rootfs"]
	if rootfs == "" {
		rootfs = storageID + ":4"
	}
	cfg := map[string]string{"arch": "amd64", "memory": "512", "swap": "512", "hostname": "CT" + strconv.Itoa(vmid), "ostype": templateOSType(tmpl)}
	for k, v := range r.params {
		if !creationOnly[k] {
			cfg[k] = v
		}
	}
	if err := s.prepareConfig(cfg); err != nil {
		return nil, err
	}
	if err := checkKeyctl(cfg); err != nil {
		return nil, err
	}
	volume, sizeBytes, aerr := s.allocateRootfs(n, vmid, rootfs)
	if aerr != nil {
		return nil, aerr
	}
	cfg["rootfs"] = volume
	g := &guest{VMID: vmid, Node: n.Name, Config: cfg, Lock: "create", RootFS: rootFSFromTemplate(tmpl, cfg["hostname"]), CreatedAt: time.Now()}
	if aerr := s.applyOCITemplate(tmpl, g); aerr != nil {
		return nil, aerr
	}
	s.guests[vmid] = g
	s.writeGuestConf(g)
	startAfter, pool := r.bool("start"), r.params["pool"]
	keys, password := r.params["ssh-public-keys"], r.params["password"]
	tk := s.startTask(n, "vzcreate", strconv.Itoa(vmid), r.userForTask(), func(t *taskCtx) error {
		t.logf("extracting archive '/var/lib/vz/template/cache/%s'", tmpl.VolID[strings.Index(tmpl.VolID, "/")+1:])
		if err := t.sleep(2 * time.Second); err != nil {
			s.dropGuest(g)
			return err
		}
		t.logf("Total bytes read: %d (%dMiB, %dMiB/s)", tmpl.Size*3, tmpl.Size*3/mib, tmpl.Size/mib)
		t.logf("Detected container architecture: amd64")
		if _, err := templateSetup(tmpl); err != nil {
			s.dropGuest(g)
			return fmt.Errorf("unable to create CT %d - %w", vmid, err)
		}
		if err := s.faults.taskFailure("vzcreate"); err != nil {
			s.dropGuest(g)
			return fmt.Errorf("unable to create CT %d - %w", vmid, err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.storageFree(n, n.Storages[storageOf(volume)]) < 0 {
			s.dropGuestLocked(g)
			return fmt.Errorf("unable to create CT %d - lvcreate 'pve/vm-%d-disk-0' error:   Volume group \"pve\" has insufficient free space (%d extents): %d required.", vmid, vmid, 0, sizeBytes/(4*mib))
		}
		if keys != "" {
			_ = g.RootFS.MkdirAll("/root/.ssh", 0o700)
			_ = g.RootFS.WriteFile("/root/.ssh/authorized_keys", []byte(strings.TrimSuffix(keys, "\n")+"\n"), 0o600)
		}
		if password != "" {
			_ = setPassword(g.RootFS, "root", password)
		}
		t.logf("Creating SSH host key 'ssh_host_ed25519_key' - this may take some time ...")
		t.logf("done: SHA256:%s root@%s", base64URL(randomBytes(32)), cfg["hostname"])
		g.Lock = ""
		s.writeGuestConf(g)
		if startAfter {
			s.powerOn(g)
		}
		if pool != "" {
			s.addToPool(vmid, pool)
		}
		return nil
	})
	return tk.UPID, nil
}

// addToPool is add_vm_to_pool, the last step of a successful create.
func (s *Simulator) addToPool(vmid int, pool string) {
	_ = s.changeUserConfig(func(c *userConfig) error {
		p := c.Pools[pool]
		if p == nil {
			return errUnchanged
		}
		if prev := c.VMPool[vmid]; prev != "" && c.Pools[prev] != nil {
			delete(c.Pools[prev].VMs, vmid)
		}
		p.VMs[vmid] = true
		c.VMPool[vmid] = pool
		return nil
	})
}

// userForTask is the user a task runs as (a token's id for token calls).
func (r *request) userForTask() string {
	if r.authid == "" {
		return "root@pam"
	}
	return r.authid
}

// prepareConfig applies PVE's write-time normalisation and checks.
func (s *Simulator) prepareConfig(cfg map[string]string) *apiError {
	for k, v := range cfg {
		switch {
		case k == "tags":
			cfg[k] = normalizeTags(v)
		case strings.HasPrefix(k, "net"):
			cfg[k] = s.normalizeNet(v)
		case k == "description":
			cfg[k] = strings.TrimSuffix(v, "\n") + "\n"
		}
	}
	return nil
}

// checkKeyctl: keyctl exists for unprivileged containers only; cfg is the
// whole configuration after a change.
func checkKeyctl(cfg map[string]string) *apiError {
	if featureMap(cfg["features"])["keyctl"] == "1" && cfg["unprivileged"] != "1" {
		return fail("unable to create CT - 'keyctl' feature is only allowed for unprivileged containers")
	}
	return nil
}

func storageOf(volid string) string {
	id, _, _ := strings.Cut(volid, ":")
	return id
}

// allocateRootfs turns "local-lvm:8" into a new volume "local-lvm:vm-101-disk-0,size=8G".
func (s *Simulator) allocateRootfs(n *node, vmid int, spec string) (string, int64, *apiError) {
	vol := propertyDefault(spec)
	if vol == "" {
		vol = propertyValue(spec, "volume")
	}
	storageID, sizeText, ok := strings.Cut(vol, ":")
	if !ok {
		return "", 0, paramFail("rootfs", "invalid format - unable to parse volume")
	}
	if aerr := checkRootdirStorage(n, storageID); aerr != nil {
		return "", 0, aerr
	}
	st := n.Storages[storageID]
	gb, err := strconv.ParseFloat(sizeText, 64)
	if err != nil {
		// An existing volume name: keep it as given.
		return spec, parseSize(propertyValue(spec, "size")), nil
	}
	size := int64(gb * float64(gib))
	name := fmt.Sprintf("vm-%d-disk-0", vmid)
	volid := storageID + ":" + name
	st.Volumes[volid] = &volume{VolID: volid, Content: "rootdir", Format: "raw", Size: size, CTime: time.Now().Unix(), VMID: vmid}
	out := volid + ",size=" + formatSize(size)
	for _, part := range strings.Split(spec, ",")[1:] {
		if !strings.HasPrefix(part, "size=") && !strings.HasPrefix(part, "volume=") {
			out += "," + part
		}
	}
	return out, size, nil
}

// checkRootdirStorage: the storage exists on the node and takes container
// disks.
func checkRootdirStorage(n *node, storageID string) *apiError {
	st, exists := n.Storages[storageID]
	if !exists {
		return fail("storage '%s' does not exist", storageID)
	}
	// storage_check_enabled comes first (API2/LXC.pm check_and_activate_storage).
	if st.disabled() {
		return fail("storage '%s' is disabled", storageID)
	}
	if !slices.Contains(st.Content, "rootdir") {
		return paramFail("storage", fmt.Sprintf("storage '%s' does not support container directories", storageID))
	}
	return nil
}

func formatSize(b int64) string {
	switch {
	case b%gib == 0:
		return strconv.FormatInt(b/gib, 10) + "G"
	case b%mib == 0:
		return strconv.FormatInt(b/mib, 10) + "M"
	}
	return strconv.FormatInt(b/1024, 10) + "K"
}

// dropGuest removes a guest whose creation failed, with its disk, as PVE does.
func (s *Simulator) dropGuest(g *guest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropGuestLocked(g)
}

func (s *Simulator) dropGuestLocked(g *guest) {
	if s.guests[g.VMID] == g {
		delete(s.guests, g.VMID)
	}
	s.removeGuestConf(g)
	if n := s.nodeByName(g.Node); n != nil {
		for _, st := range n.Storages {
			for id, v := range st.Volumes {
				if v.VMID == g.VMID && (v.Content == "rootdir" || v.Content == "images") {
					delete(st.Volumes, id)
				}
			}
		}
	}
}

func (s *Simulator) putGuestConfig(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _, err := s.unlockedGuest(r)
	if err != nil {
		return nil, err
	}
	if d := r.params["digest"]; d != "" && d != configDigest(g.Config) {
		return nil, fail("detected modified configuration - file changed by other user? Try again.")
	}
	if aerr := s.checkConfigUpdatePerms(r, g); aerr != nil {
		return nil, aerr
	}
	next := map[string]string{}
	for k, v := range g.Config {
		next[k] = v
	}
	for _, key := range splitList(r.params["delete"]) {
		if key == "rootfs" || key == "unprivileged" || key == "arch" {
			return nil, fail("unable to delete required option '%s'", key)
		}
		delete(next, key)
	}
	changes := map[string]string{}
	for k, v := range r.params {
		switch k {
		case "node", "vmid", "digest", "delete", "revert":
			continue
		case "unprivileged":
			if v != g.Config["unprivileged"] {
				return nil, fail("unable to modify read-only option: 'unprivileged'")
			}
		case "rootfs":
			if propertyDefault(v) != propertyDefault(g.Config["rootfs"]) && propertyValue(v, "volume") == "" {
				return nil, fail("unable to modify read-only option: 'rootfs' (use move_volume or resize)")
			}
			if sz := propertyValue(v, "size"); sz != "" && parseSize(sz) != g.diskBytes() {
				return nil, fail("unable to modify read-only option: 'rootfs' size (use resize)")
			}
		}
		changes[k] = v
	}
	if err := s.prepareConfig(changes); err != nil {
		return nil, err
	}
	for k, v := range changes {
		next[k] = v
	}
	if err := checkKeyctl(next); err != nil {
		return nil, err
	}
	g.Config = next
	if h, ok := changes["hostname"]; ok {
		_ = g.RootFS.WriteFile("/etc/hostname", []byte(h+"\n"), 0o644)
	}
	if g.Running {
		if _, ok := changes["net0"]; ok {
			g.IP = s.assignIP(g)
		}
	}
	s.writeGuestConf(g)
	s.persistSoon()
	return nil, nil
}

// resizeGuest grows a disk; PVE refuses to shrink.
func (s *Simulator) resizeGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, _, err := s.unlockedGuest(r)
	if err != nil {
		return nil, err
	}
	disk := r.params["disk"]
	if disk != "rootfs" {
		if _, ok := g.Config[disk]; !ok {
			return nil, fail("unable to parse config for disk '%s'", disk)
		}
	}
	// resize_vm hands check_ct_modify_config_perm {disk => ...}, which
	// falls through to VM.Config.Options; then the volume's storage.
	if aerr := r.acc.checkVMPerm(r.authid, g.VMID, "", false, "VM.Config.Options"); r.authid != "root@pam" && aerr != nil {
		return nil, aerr
	}
	if aerr := r.acc.check(r.authid, "/storage/"+storageOf(propertyDefault(g.Config[disk])), "Datastore.AllocateSpace"); r.authid != "root@pam" && aerr != nil {
		return nil, aerr
	}
	cur := g.diskBytes()
	sizeText := r.params["size"]
	newSize := parseSize(strings.TrimPrefix(sizeText, "+"))
	if strings.HasPrefix(sizeText, "+") {
		newSize += cur
	}
	if newSize < cur {
		return nil, fail("unable to shrink disk size")
	}
	n := s.nodeByName(g.Node)
	volid := propertyDefault(g.Config["rootfs"])
	tk := s.startTask(n, "resize", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		t.logf("  Size of logical volume pve/%s changed from %s to %s.", volid[strings.Index(volid, ":")+1:], formatSize(cur), formatSize(newSize))
		if err := t.sleep(500 * time.Millisecond); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		g.Config["rootfs"] = setProperty(g.Config["rootfs"], "size", formatSize(newSize))
		if st := n.Storages[storageOf(volid)]; st != nil && st.Volumes[volid] != nil {
			st.Volumes[volid].Size = newSize
		}
		t.logf("  Logical volume pve/%s successfully resized.", volid[strings.Index(volid, ":")+1:])
		s.writeGuestConf(g)
		return nil
	})
	return tk.UPID, nil
}

func (s *Simulator) guestInterfaces(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	if !g.Running {
		return nil, fail("CT %d not running", g.VMID)
	}
	out := []any{map[string]any{"name": "lo", "hwaddr": "00:00:00:00:00:00", "inet": "127.0.0.1/8", "inet6": "::1/128"}}
	hw := strings.ToLower(propertyValue(g.Config["net0"], "hwaddr"))
	eth := map[string]any{"name": "eth0", "hwaddr": hw, "inet6": "fe80::be24:11ff:fe" + strings.ReplaceAll(hw[len(hw)-5:], ":", "") + "/64"}
	if g.IP != "" {
		eth["inet"] = g.IP
	}
	return append(out, eth), nil
}
