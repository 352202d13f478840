package pvesim

import (
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// The permission rules of containers beyond the schema's checks, as
// pve-container's src/PVE/LXC.pm (check_ct_modify_config_perm,
// check_bridge_access), pve-guest-common's GuestHelpers.pm
// (assert_tag_permissions, get_allowed_tags, check_vnet_access) and
// pve-storage's Storage.pm (check_volume_access) decide them.

var (
	newDiskRe    = regexp.MustCompile(`^([^:\s]+):(\d+(\.\d+)?)$`)
	backupOwner  = regexp.MustCompile(`^backup/(?:vzdump-(?:openvz|lxc|qemu)-|(?:ct|vm)/)(\d+)[-/].+`)
	imageOwnerRe = regexp.MustCompile(`^(?:vm|base|subvol)-(\d+)-\S+$`)
)

// volumeKind is parse_volname: the content type of a volume and the guest
// that owns it (0 when none).
func volumeKind(volname string) (string, int) {
	switch {
	case strings.HasPrefix(volname, "iso/"):
		return "iso", 0
	case strings.HasPrefix(volname, "vztmpl/"):
		return "vztmpl", 0
	case strings.HasPrefix(volname, "import/"):
		return "import", 0
	case strings.HasPrefix(volname, "snippets/"):
		return "snippets", 0
	case strings.HasPrefix(volname, "backup/"):
		if m := backupOwner.FindStringSubmatch(volname); m != nil {
			id, _ := strconv.Atoi(m[1])
			return "backup", id
		}
		return "backup", 0
	}
	if m := imageOwnerRe.FindStringSubmatch(volname); m != nil {
		id, _ := strconv.Atoi(m[1])
		return "images", id
	}
	if dir, rest, ok := strings.Cut(volname, "/"); ok {
		if id, err := strconv.Atoi(dir); err == nil && rest != "" {
			return "images", id
		}
	}
	return "", 0
}

// checkVolumeAccess is PVE::Storage::check_volume_access: whether the
// identity may use a volume as contentType ("" for any), for guest vmid (0
// for none).
func (a *accessState) checkVolumeAccess(authid string, vmid int, volid, contentType string) *apiError {
	if authid == "root@pam" {
		return nil
	}
	sid, volname, ok := strings.Cut(volid, ":")
	if !ok || sid == "" || strings.HasPrefix(volid, "/") {
		// The Perl dies without a newline, so Perl appends where.
		return fail("Only root can pass arbitrary filesystem paths. at /usr/share/perl5/PVE/Storage.pm line 581.")
	}
	vtype, owner := volumeKind(volname)
	if contentType != "" && vtype != contentType && (contentType != "rootdir" || vtype != "images") {
		return fail("unable to use volume %s - content type needs to be '%s'", volid, contentType)
	}
	storagePath := "/storage/" + sid
	if a.has(authid, storagePath, "Datastore.Allocate") {
		return nil
	}
	switch {
	case vtype == "iso" || vtype == "vztmpl" || vtype == "import":
		return a.checkAny(authid, storagePath, "Datastore.AllocateSpace", "Datastore.Audit")
	case owner != 0 && vmid != 0 && owner == vmid:
		return nil
	case vtype == "backup" && owner != 0:
		if err := a.check(authid, storagePath, "Datastore.AllocateSpace"); err != nil {
			return err
		}
		return a.check(authid, "/vms/"+itoa(owner), "VM.Backup")
	case (vtype == "images" || vtype == "rootdir") && owner != 0:
		if err := a.check(authid, storagePath, "Datastore.Audit"); err != nil {
			return err
		}
		return a.check(authid, "/vms/"+itoa(owner), "VM.Config.Disk")
	}
	return fail("missing privileges to access %s", volid)
}

// ctConfigChange is what check_ct_modify_config_perm looks at.
type ctConfigChange struct {
	vmid         int
	pool         string
	old          map[string]string // nil for a new container
	new          map[string]string
	deletes      []string
	unprivileged bool
	guestTags    func() map[int]string // every guest's tags, for user-allow=existing; asked only when needed
}

// checkCTModifyConfigPerm is check_ct_modify_config_perm: every changed or
// deleted option needs its privilege; devices, hookscripts, bind mounts and
// feature flags other than nesting are root@pam's alone. Options are checked
// in sorted order (PVE walks a hash, so its order varies from call to call).
func (s *Simulator) checkCTModifyConfigPerm(a *accessState, authid string, ch ctConfigChange) *apiError {
	if authid == "root@pam" {
		return nil
	}
	keys := make([]string, 0, len(ch.new))
	for k := range ch.new {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, opt := range keys {
		if err := s.checkCTOption(a, authid, ch, opt, false); err != nil {
			return err
		}
	}
	for _, opt := range ch.deletes {
		if err := s.checkCTOption(a, authid, ch, opt, true); err != nil {
			return err
		}
	}
	return nil
}

func (s *Simulator) checkCTOption(a *accessState, authid string, ch ctConfigChange, opt string, deleting bool) *apiError {
	vmPerm := func(privs ...string) *apiError { return a.checkVMPerm(authid, ch.vmid, ch.pool, privs...) }
	switch {
	case opt == "cores" || opt == "cpuunits" || opt == "cpulimit":
		return vmPerm("VM.Config.CPU")
	case opt == "rootfs" || isIndexed(opt, "mp"):
		if err := vmPerm("VM.Config.Disk"); err != nil || deleting {
			return err
		}
		volume := propertyDefault(ch.new[opt])
		if volume == "" {
			volume = propertyValue(ch.new[opt], "volume")
		}
		if strings.HasPrefix(volume, "/") {
			kind := "bind"
			if strings.HasPrefix(volume, "/dev/") {
				kind = "device"
			}
			return permDenied("mount point type " + kind + " is only allowed for root@pam")
		}
		if m := newDiskRe.FindStringSubmatch(volume); m != nil {
			return a.check(authid, "/storage/"+m[1], "Datastore.AllocateSpace")
		}
		return a.checkVolumeAccess(authid, ch.vmid, volume, "rootdir")
	case opt == "memory" || opt == "swap":
		return vmPerm("VM.Config.Memory")
	case isIndexed(opt, "net"):
		if err := vmPerm("VM.Config.Network"); err != nil {
			return err
		}
		for _, raw := range []string{ch.old[opt], ch.new[opt]} {
			if raw != "" {
				if err := a.checkBridgeAccess(authid, raw); err != nil {
					return err
				}
			}
		}
		return nil
	case isIndexed(opt, "dev"):
		return permDenied("configuring device passthrough is only allowed for root@pam")
	case opt == "nameserver" || opt == "searchdomain" || opt == "hostname":
		return vmPerm("VM.Config.Network")
	case opt == "features":
		return s.checkFeatures(ch, deleting, vmPerm)
	case opt == "hookscript":
		return permDenied("changing the hookscript is only allowed for root@pam")
	case opt == "tags":
		next := ch.new[opt]
		if deleting {
			next = ""
		}
		return s.assertTagPermissions(a, authid, ch.vmid, ch.old[opt], next, ch.guestTags)
	}
	return vmPerm("VM.Config.Options")
}

// checkFeatures: on unprivileged containers, only nesting may be changed by
// anyone but root@pam, and only with VM.Allocate.
func (s *Simulator) checkFeatures(ch ctConfigChange, deleting bool, vmPerm func(...string) *apiError) *apiError {
	if !ch.unprivileged {
		return permDenied("changing feature flags for privileged container is only allowed for root@pam")
	}
	nestingChanged, otherChanged := false, false
	onlyNesting := func(f map[string]string) {
		if _, ok := f["nesting"]; ok && len(f) == 1 {
			nestingChanged = true
		} else if len(f) > 0 {
			otherChanged = true
		}
	}
	switch {
	case deleting:
		onlyNesting(featureMap(ch.old["features"]))
	case ch.old != nil && ch.old["features"] != "":
		oldF, newF := featureMap(ch.old["features"]), featureMap(ch.new["features"])
		names := map[string]bool{}
		for k := range oldF {
			names[k] = true
		}
		for k := range newF {
			names[k] = true
		}
		for k := range names {
			if oldF[k] != newF[k] {
				if k == "nesting" {
					nestingChanged = true
				} else {
					otherChanged = true
				}
			}
		}
	default:
		onlyNesting(featureMap(ch.new["features"]))
	}
	if otherChanged {
		return permDenied("changing feature flags (except nesting) is only allowed for root@pam")
	}
	if nestingChanged {
		return vmPerm("VM.Allocate")
	}
	return nil
}

// featureMap parses "nesting=1,keyctl=1" (booleans normalised, so that
// nesting=true and nesting=1 are the same).
func featureMap(v string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			continue
		}
		switch strings.ToLower(val) {
		case "1", "on", "yes", "true":
			val = "1"
		case "0", "off", "no", "false":
			val = "0"
		}
		out[k] = val
	}
	return out
}

func isIndexed(opt, base string) bool {
	rest, ok := strings.CutPrefix(opt, base)
	if !ok || rest == "" {
		return false
	}
	_, err := strconv.Atoi(rest)
	return err == nil
}

// checkBridgeAccess is check_vnet_access for a network option: SDN.Use on
// the bridge in its zone (a vnet's, else the local zone), or on its VLAN
// tag (each trunk tag too).
func (a *accessState) checkBridgeAccess(authid, raw string) *apiError {
	if authid == "root@pam" {
		return nil
	}
	bridge := propertyValue(raw, "bridge")
	tag := propertyValue(raw, "tag")
	trunks := propertyValue(raw, "trunks")
	base := "/sdn/zones/" + a.zoneOfBridge(bridge) + "/" + bridge
	if tag != "" {
		if err := a.check(authid, base+"/"+tag, "SDN.Use"); err != nil {
			return err
		}
	}
	if trunks != "" {
		tags := map[int]bool{}
		for _, part := range strings.Split(trunks, ";") {
			lo, hi, isRange := strings.Cut(part, "-")
			from, _ := strconv.Atoi(lo)
			to := from
			if isRange {
				to, _ = strconv.Atoi(hi)
			}
			for t := from; t <= to && t > 0; t++ {
				tags[t] = true
			}
		}
		ordered := make([]string, 0, len(tags))
		for t := range tags {
			ordered = append(ordered, strconv.Itoa(t))
		}
		sort.Strings(ordered)
		for _, t := range ordered {
			if err := a.check(authid, base+"/"+t, "SDN.Use"); err != nil {
				return err
			}
		}
	}
	if tag == "" && trunks == "" {
		return a.check(authid, base, "SDN.Use")
	}
	return nil
}

// assertTagPermissions is GuestHelpers::assert_tag_permissions: changing
// tags needs VM.Config.Options on the guest; without Sys.Modify on / every
// added or removed tag must also be allowed by datacenter.cfg's
// user-tag-access and must not be a registered tag.
func (s *Simulator) assertTagPermissions(a *accessState, authid string, vmid int, oldTags, newTags string,
	guestTags func() map[int]string) *apiError {
	if err := a.check(authid, "/vms/"+itoa(vmid), "VM.Config.Options"); err != nil {
		return err
	}
	if authid == "root@pam" || a.has(authid, "/", "Sys.Modify") {
		return nil
	}
	count := func(list string) map[string]int {
		m := map[string]int{}
		for _, t := range splitList(list) {
			m[t]++
		}
		return m
	}
	oldCount, newCount := count(oldTags), count(newTags)
	changed := map[string]bool{}
	for t := range oldCount {
		changed[t] = oldCount[t] != newCount[t]
	}
	for t := range newCount {
		changed[t] = oldCount[t] != newCount[t]
	}
	var allowed map[string]bool
	var registered map[string]bool
	free := false
	for _, tag := range sortedKeys(changed) {
		if !changed[tag] {
			continue
		}
		if allowed == nil {
			allowed, registered, free = s.allowedTags(a, authid, false, guestTags)
		}
		if (!allowed[tag] && !free) || registered[tag] {
			return permDenied("/, Sys.Modify for modifying tag '" + tag + "'")
		}
	}
	return nil
}

// allowedTags is get_allowed_tags: the tags an identity may set, the
// registered tags, and whether any tag goes (user-allow=free).
func (s *Simulator) allowedTags(a *accessState, authid string, privileged bool, guestTags func() map[int]string) (allowed, registered map[string]bool,
	free bool) {
	dc := s.readDatacenterConfig()
	allowed, registered = map[string]bool{}, map[string]bool{}
	for _, t := range dc.registeredTags() {
		registered[t] = true
	}
	ta := dc.tagAccess()
	free = ta.userAllow == "free"
	if ta.userAllow != "none" || privileged {
		for _, t := range ta.allowList {
			allowed[t] = true
		}
	}
	if ta.userAllow == "free" || ta.userAllow == "existing" || privileged {
		for id, tags := range guestTags() {
			if !privileged && !a.has(authid, "/vms/"+itoa(id), "VM.Audit") {
				continue
			}
			for _, t := range splitList(tags) {
				allowed[t] = true
			}
		}
	}
	for t := range registered {
		if privileged {
			allowed[t] = true
		} else {
			delete(allowed, t)
		}
	}
	return allowed, registered, free
}

// guestTagsLocked lists every guest's tags; the caller holds s.mu.
func (s *Simulator) guestTagsLocked() map[int]string {
	out := make(map[int]string, len(s.guests))
	for id, g := range s.guests {
		out[id] = g.Config["tags"]
	}
	return out
}

// createExtracted are the parameters create_vm takes out before it checks
// the rest as configuration (pve-container src/PVE/API2/LXC.pm).
var createExtracted = map[string]bool{
	"node": true, "vmid": true, "ignore-unpack-errors": true, "bwlimit": true, "start": true,
	"unprivileged": true, "restore": true, "unique": true, "force": true, "password": true,
	"ssh-public-keys": true, "pool": true, "ostemplate": true, "storage": true,
}

// checkCreatePerms is create_vm's own checks, in its order: VM.Allocate on
// the guest or its pool (or, to restore over an existing guest, VM.Backup),
// the configuration as check_ct_modify_config_perm sees it, access to the
// template or archive, and Datastore.AllocateSpace on every storage a disk
// is allocated on. The caller holds s.mu.
func (s *Simulator) checkCreatePerms(r *request, existing *guest) *apiError {
	a, authid := r.acc, r.authid
	vmid, pool := r.vmid(), r.params["pool"]
	restore, force := r.bool("restore"), r.bool("force")
	if pool != "" && a.cfg.Pools[pool] == nil {
		return permDenied("pool '" + pool + "' does not exist")
	}
	if authid == "root@pam" {
		return nil
	}
	switch {
	case a.has(authid, "/vms/"+itoa(vmid), "VM.Allocate"):
	case pool != "" && a.has(authid, "/pool/"+pool, "VM.Allocate"):
	case restore && force && existing != nil && a.has(authid, "/vms/"+itoa(vmid), "VM.Backup"):
		if existing.Config["unprivileged"] == "1" && r.has("unprivileged") && !r.bool("unprivileged") {
			// PVE 9 asks for Sys.Modify on / instead of refusing outright
			// (API2/LXC.pm create_vm, master).
			if s.release == release91 {
				if err := a.check(authid, "/", "Sys.Modify"); err != nil {
					return err
				}
			} else {
				return permDenied("cannot change from unprivileged to privileged without VM.Allocate")
			}
		}
	default:
		return errPermDenied
	}
	conf := map[string]string{}
	for k, v := range r.params {
		if !createExtracted[k] {
			conf[k] = v
		}
	}
	change := ctConfigChange{vmid: vmid, pool: pool, new: conf, unprivileged: r.bool("unprivileged"), guestTags: s.guestTagsLocked}
	if err := s.checkCTModifyConfigPerm(a, authid, change); err != nil {
		return err
	}
	contentType := "vztmpl"
	if restore {
		contentType = "backup"
	}
	if err := a.checkVolumeAccess(authid, vmid, r.params["ostemplate"], contentType); err != nil {
		return err
	}
	storages := []string{}
	if rootfs, ok := conf["rootfs"]; ok {
		vol := propertyDefault(rootfs)
		if vol == "" {
			vol = propertyValue(rootfs, "volume")
		}
		if sid, _, ok := strings.Cut(vol, ":"); ok {
			storages = append(storages, sid)
		}
	} else {
		sid := r.params["storage"]
		if sid == "" {
			sid = "local"
		}
		storages = append(storages, sid)
	}
	for k, v := range conf {
		if isIndexed(k, "mp") {
			if sid, _, ok := strings.Cut(propertyDefault(v), ":"); ok {
				storages = append(storages, sid)
			}
		}
	}
	for _, sid := range storages {
		if err := a.check(authid, "/storage/"+sid, "Datastore.AllocateSpace"); err != nil {
			return err
		}
	}
	return nil
}

// checkConfigUpdatePerms is update_vm's per-option check, after the digest
// check and before anything changes. The caller holds s.mu.
func (s *Simulator) checkConfigUpdatePerms(r *request, g *guest) *apiError {
	if r.authid == "root@pam" {
		return nil
	}
	conf := map[string]string{}
	for k, v := range r.params {
		switch k {
		case "node", "vmid", "digest", "delete", "revert":
			continue
		}
		conf[k] = v
	}
	change := ctConfigChange{
		vmid: g.VMID, old: g.Config, new: conf,
		deletes: splitList(r.params["delete"]), unprivileged: g.Config["unprivileged"] == "1",
		guestTags: s.guestTagsLocked,
	}
	return s.checkCTModifyConfigPerm(r.acc, r.authid, change)
}

// checkVolumeDelete is Content.pm's delete rule: a guest's backup needs
// Datastore.AllocateSpace and VM.Backup on the guest; anything else
// Datastore.Allocate on the storage.
func (a *accessState) checkVolumeDelete(authid, volid string) *apiError {
	if authid == "root@pam" {
		return nil
	}
	sid, volname, _ := strings.Cut(volid, ":")
	if vtype, owner := volumeKind(volname); vtype == "backup" && owner != 0 {
		if err := a.check(authid, "/storage/"+sid, "Datastore.AllocateSpace"); err != nil {
			return err
		}
		return a.check(authid, "/vms/"+itoa(owner), "VM.Backup")
	}
	return a.check(authid, "/storage/"+sid, "Datastore.Allocate")
}

// removeVMAccess is AccessControl::remove_vm_access, which a container's
// destroy runs: its ACLs and its pool membership go with it, so that a
// later guest with the same id inherits neither.
func (s *Simulator) removeVMAccess(vmid int) {
	_ = s.changeUserConfig(func(c *userConfig) error {
		changed := false
		if vms := c.ACL.Children["vms"]; vms != nil && vms.Children[itoa(vmid)] != nil {
			delete(vms.Children, itoa(vmid))
			changed = true
		}
		if pool := c.VMPool[vmid]; pool != "" {
			delete(c.Pools[pool].VMs, vmid)
			delete(c.VMPool, vmid)
			changed = true
		}
		if !changed {
			return errUnchanged
		}
		return nil
	})
}

// checkVzdumpParams is assert_param_permission_vzdump and the storage check
// of the vzdump call (pve-manager PVE/API2/Backup.pm, VZDump.pm).
func (a *accessState) checkVzdumpParams(authid string, params map[string]string, storageID string) *apiError {
	if authid == "root@pam" {
		return nil
	}
	for _, key := range []string{"tmpdir", "dumpdir", "script", "job-id"} {
		if _, ok := params[key]; ok {
			return paramFail(key, "Only root may set this option.")
		}
	}
	for _, key := range []string{"bwlimit", "ionice", "performance"} {
		if _, ok := params[key]; ok {
			if err := a.check(authid, "/", "Sys.Modify"); err != nil {
				return err
			}
			break
		}
	}
	if fleecing := params["fleecing"]; fleecing != "" {
		if sid := propertyValue(fleecing, "storage"); sid != "" && propertyValue(fleecing, "enabled") != "0" {
			if err := a.check(authid, "/storage/"+sid, "Datastore.AllocateSpace"); err != nil {
				return err
			}
		}
	}
	_, maxfiles := params["maxfiles"]
	_, prune := params["prune-backups"]
	if maxfiles || prune {
		if err := a.check(authid, "/storage/"+storageID, "Datastore.Allocate"); err != nil {
			return err
		}
	}
	if params["stop"] == "1" {
		if err := a.check(authid, "/nodes/"+params["node"], "Sys.Modify"); err != nil {
			return err
		}
	}
	return a.check(authid, "/storage/"+storageID, "Datastore.AllocateSpace")
}

// checkArchivePerms is what a restore's worker checks of the settings that
// come from the archive rather than the request (pve-container LXC.pm
// create_vm and Create.pm sanitize_and_merge_config): the bridges of its
// network devices, and VM.Allocate to turn an unprivileged container into a
// privileged one. Raw lxc.* keys are dropped for anyone but root@pam. The
// failure is the task's, so it is returned for the worker to report.
func (s *Simulator) checkArchivePerms(r *request, old *guest, cfg map[string]string) *apiError {
	if r.authid == "root@pam" {
		return nil
	}
	for k := range cfg {
		if strings.HasPrefix(k, "lxc") {
			delete(cfg, k)
		}
	}
	for _, k := range sortedKeys(cfg) {
		if _, given := r.params[k]; given || !isIndexed(k, "net") {
			continue
		}
		if err := r.acc.checkBridgeAccess(r.authid, cfg[k]); err != nil {
			return err
		}
	}
	if old != nil && old.Config["unprivileged"] == "1" && cfg["unprivileged"] != "1" {
		// create_vm passes the request's pool to check_vm_perm.
		return r.acc.checkVMPerm(r.authid, old.VMID, r.params["pool"], "VM.Allocate")
	}
	return nil
}
