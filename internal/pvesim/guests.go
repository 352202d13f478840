package pvesim

import (
	"fmt"
	"slices"
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

// guestOn finds a guest on a node; PVE only looks at that node's config
// directory, and reads the file again when it changed.
func (s *Simulator) guestOn(nodeName string, vmid int) (*guest, *apiError) {
	g, ok := s.currentGuest(vmid)
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
	for _, sub := range []string{"config", "pending", "status", "vncproxy", "termproxy", "vncwebsocket", "spiceproxy", "remote_migrate", "migrate",
		"clone", "rrd", "rrddata", "firewall", "snapshot", "resize", "interfaces"} {
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

// getGuestConfig is vm_config (src/PVE/API2/LXC/Config.pm): the config with
// PVE's JSON types and the file's digest; pending values are shown over the
// current ones unless current=1 (load_current_config), or a snapshot's.
func (s *Simulator) getGuestConfig(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	snapname := r.params["snapshot"]
	if snapname != "" && r.bool("current") {
		msg := "cannot use 'snapshot' parameter with 'current'"
		return nil, paramError(map[string]string{"snapshot": msg, "current": msg})
	}
	if snapname != "" {
		snap, ok := g.Snapshots[snapname]
		if !ok {
			return nil, fail("snapshot '%s' does not exist", snapname)
		}
		return s.typedConfig(g, snap.Config, snap.Lxc, ""), nil
	}
	cfg := g.Config
	if !r.bool("current") {
		cfg = withPending(g)
	}
	return s.typedConfig(g, cfg, g.Lxc, g.Lock), nil
}

func (s *Simulator) typedConfig(g *guest, cfg map[string]string, lxc [][2]string, lock string) map[string]any {
	out := map[string]any{"digest": g.digest()}
	for k, v := range cfg {
		out[k] = s.typedValue(k, v)
	}
	if lock != "" {
		out["lock"] = lock
	}
	if len(lxc) > 0 {
		entries := make([][]string, 0, len(lxc))
		for _, e := range lxc {
			entries = append(entries, []string{e[0], e[1]})
		}
		out["lxc"] = entries
	}
	return out
}

// typedValue gives a config value its schema type in JSON (integers and
// booleans as numbers).
func (s *Simulator) typedValue(k, v string) any {
	props := s.schema["/nodes/{node}/lxc/{vmid}/config"]["PUT"].Parameters
	if p, ok := props.Lookup(k); ok && (p.Type == "integer" || p.Type == "boolean") {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			return n
		}
	} else if ok && p.Type == "number" {
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return f
		}
	}
	return v
}

// guestPending is GET .../pending (vm_pending with
// GuestHelpers::config_with_pending_array): one item per option with its
// current value, its pending value and delete=1 (2 when forced).
func (s *Simulator) guestPending(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.guestOn(r.node(), r.vmid())
	if err != nil {
		return nil, err
	}
	deletes := parsePendingDelete(g.Pending["delete"])
	cfg := map[string]string{"digest": g.digest()}
	for k, v := range g.Config {
		cfg[k] = v
	}
	if g.Lock != "" {
		cfg["lock"] = g.Lock
	}
	out := []any{}
	for _, k := range sortedKeysOf(cfg) {
		item := map[string]any{"key": k, "value": s.typedValue(k, cfg[k])}
		if pv, ok := g.Pending[k]; ok && k != "delete" {
			item["pending"] = s.typedValue(k, pv)
		}
		if force, ok := deletes[k]; ok {
			item["delete"] = map[bool]int{false: 1, true: 2}[force]
		}
		out = append(out, item)
	}
	for _, k := range sortedKeysOf(g.Pending) {
		if _, cur := cfg[k]; !cur && k != "delete" {
			out = append(out, map[string]any{"key": k, "pending": s.typedValue(k, g.Pending[k])})
		}
	}
	for _, k := range sortedKeysOf(deletes) {
		if _, cur := cfg[k]; !cur {
			out = append(out, map[string]any{"key": k, "delete": map[bool]int{false: 1, true: 2}[deletes[k]]})
		}
	}
	return out, nil
}

func (s *Simulator) createGuest(r *request) (any, error) {
	if r.bool("restore") {
		return s.restoreGuest(r)
	}
	// create_vm's create_and_lock_config takes the new VMID's config lock
	// for at most 5 s while it writes the 'create' lock.
	vmid := r.vmid()
	release, lockErr := s.lockGuestConfig(s.ctx, r.node(), vmid, createLockTimeout)
	if lockErr != nil {
		return nil, lockErr
	}
	defer release()
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
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
	cfg := map[string]string{"arch": "amd64", "memory": "512", "swap": "512", "hostname": "CT" + strconv.Itoa(vmid), "ostype": templateOSType(tmpl)}
	mpParams, aerr := s.createMountParams(n, r, storageID)
	if aerr != nil {
		return nil, aerr
	}
	for k, v := range r.params {
		if !creationOnly[k] && !isMountKey(k) && !isIndexedKey(k, "unused") {
			cfg[k] = v
		}
	}
	if err := s.prepareConfig(cfg); err != nil {
		return nil, err
	}
	if err := s.checkNetMTUs(n, cfg); err != nil { // net_mtu.go
		return nil, err
	}
	if err := checkKeyctl(cfg); err != nil {
		return nil, err
	}
	made, aerr := s.createDisks(n, vmid, mpParams, cfg)
	if aerr != nil {
		return nil, aerr
	}
	volume := propertyDefault(cfg["rootfs"])
	var sizeBytes int64
	for _, v := range made {
		if v.VolID == volume {
			sizeBytes = v.Size
		}
	}
	g := &guest{VMID: vmid, Node: n.Name, Config: cfg, Lock: "create", RootFS: rootFSFromTemplate(tmpl, cfg["hostname"]), CreatedAt: time.Now()}
	if aerr := s.applyOCITemplate(tmpl, g); aerr != nil {
		return nil, aerr
	}
	s.guests[vmid] = g
	s.writeGuestConf(g)
	startAfter, pool := r.bool("start"), r.params["pool"]
	keys, password := r.params["ssh-public-keys"], r.params["password"]
	// create_and_lock_config has returned, and with it the lock, before
	// fork_worker: the worker takes lock_config afresh.
	release()
	tk := s.startTask(n, "vzcreate", strconv.Itoa(vmid), r.userForTask(), func(t *taskCtx) error {
		// The worker runs the whole creation inside lock_config, so a change
		// sent meanwhile waits for it. (When the lock cannot be had, PVE
		// leaves a config holding only the 'create' lock behind; the
		// simulator drops the guest as for any other failure.)
		release, err := t.lockConfig(n.Name, vmid)
		if err != nil {
			s.dropGuest(g)
			return err
		}
		defer release()
		t.logf("extracting archive '%s'", storageVolumePath(n.Storages[storageOf(tmpl.VolID)], tmpl))
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
		if s.storageFree(n.Storages[storageOf(volume)]) < 0 {
			s.dropGuestLocked(g)
			return fmt.Errorf("unable to create CT %d - lvcreate 'pve/vm-%d-disk-0' error:   Volume group \"pve\" has insufficient free space (%d extents): "+
				"%d required.", vmid, vmid, 0, sizeBytes/(4*mib))
		}
		if keys != "" {
			setAuthorizedKeys(g, keys)
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
			cfg[k] = s.uniqueTags(v)
		case k == "nameserver" || k == "searchdomain":
			cfg[k] = normalizeDNSOption(k, v) // net_dns.go
		case isIndexedKey(k, "net"):
			net, err := s.canonicalNet(v)
			if err != nil {
				return paramFail(k, "invalid format - "+err.Error())
			}
			cfg[k] = net
		case k == "description" && storedDescription(v) == "":
			delete(cfg, k) // written as no line, read back as none
		case k == "description":
			cfg[k] = storedDescription(v)
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

// resizeGuest grows a disk; PVE refuses to shrink.
func (s *Simulator) resizeGuest(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.unlockedGuest(r)
	if err != nil {
		return nil, err
	}
	disk := r.params["disk"]
	// resize_vm hands check_ct_modify_config_perm {disk => ...}, which
	// falls through to VM.Config.Options; then the volume's storage.
	if aerr := r.acc.checkVMPerm(r.authid, g.VMID, "", "VM.Config.Options"); r.authid != "root@pam" && aerr != nil {
		return nil, aerr
	}
	if aerr := r.acc.check(r.authid, "/storage/"+storageOf(propertyDefault(g.Config[disk])), "Datastore.AllocateSpace"); r.authid != "root@pam" &&
		aerr != nil {
		return nil, aerr
	}
	if d := r.params["digest"]; d != "" && d != g.digest() {
		return nil, fail("detected modified configuration - file changed by other user? Try again.")
	}
	sizeText := r.params["size"]
	ext := strings.HasPrefix(sizeText, "+")
	request, ok := parseSizePVE(strings.TrimPrefix(sizeText, "+"))
	if !ok {
		return nil, fail("invalid size string")
	}
	mp, perr := s.parseMountPoint(disk, g.Config[disk])
	if perr != nil || mp.volume() == "" {
		return nil, fail("unable to parse config for disk '%s'", disk)
	}
	n := s.nodeByName(g.Node)
	volid := mp.volume()
	vol := s.volumeOf(n, volid)
	if vol != nil && vol.VMID != g.VMID {
		return nil, fail("can't resize mount point owned by another container (%d)", vol.VMID)
	}
	cur := mp.size()
	if vol != nil {
		cur = vol.Size
	}
	newSize := request
	if ext {
		newSize += cur
	}
	if newSize < cur {
		return nil, fail("unable to shrink disk size")
	}
	if newSize == cur {
		return nil, fail("disk is already at specified size")
	}
	volname := volid[strings.Index(volid, ":")+1:]
	tk := s.startTask(n, "resize", strconv.Itoa(g.VMID), r.userForTask(), func(t *taskCtx) error {
		// resize_vm's worker runs its $code under lock_config.
		release, err := t.lockConfig(n.Name, g.VMID)
		if err != nil {
			return err
		}
		defer release()
		t.logf("  Size of logical volume pve/%s changed from %s to %s.", volname, formatSize(cur), formatSize(newSize))
		if err := t.sleep(500 * time.Millisecond); err != nil {
			return err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if cmp, err := s.parseMountPoint(disk, g.Config[disk]); err == nil {
			cmp.Values["size"] = strconv.FormatInt(newSize, 10)
			g.Config[disk] = s.printMountPoint(cmp)
		}
		if v := s.volumeOf(n, volid); v != nil {
			v.Size = newSize
		}
		t.logf("  Logical volume pve/%s successfully resized.", volname)
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
	// PVE::LXC::get_interfaces returns undef for a stopped container and
	// the API answers it as data null (API2/LXC.pm "ip").
	if !g.Running {
		return nil, nil
	}
	out := []any{map[string]any{"name": "lo", "hwaddr": "00:00:00:00:00:00", "inet": "127.0.0.1/8", "inet6": "::1/128"}}
	hw := strings.ToLower(propertyValue(g.Config["net0"], "hwaddr"))
	eth := map[string]any{"name": "eth0", "hwaddr": hw, "inet6": linkLocal6(hw)} // net_ipv6.go
	if g.IP != "" {
		eth["inet"] = g.IP
	}
	return append(out, eth), nil
}
