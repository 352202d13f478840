package pvesim

import (
	"time"
)

// storageRegistry ties storage.cfg, the source of truth for storage
// definitions, to the volumes of each storage. A storage that is not shared
// has one volume set per node; a shared one (nfs, pbs, or shared=1) has one
// set that every node sees. Volume sets of storages that left storage.cfg,
// or left a node through 'nodes', are kept: PVE leaves their data in place
// and shows it again when the storage comes back.
type storageRegistry struct {
	version uint64 // vfs version of storage.cfg last applied
	loaded  bool
	cfg     *storageConfig
	plugins map[string]*storagePlugin
	objects map[string]*storage // by objectKey
}

// objectKey names a volume set: per node, or one for the whole cluster.
func objectKey(node string, sec *storageDef) string {
	if sec.shared() {
		return "*/" + sec.ID
	}
	return node + "/" + sec.ID
}

// storagePluginsOf returns the plugins of the release answered.
func (s *Simulator) storagePluginsOf() map[string]*storagePlugin {
	if s.storages.plugins == nil {
		s.storages.plugins = storagePlugins(s.release)
	}
	return s.storages.plugins
}

// syncStorages brings every node's storage view in line with storage.cfg
// when the file changed (over SSH or through the API). Callers hold s.mu.
func (s *Simulator) syncStorages() {
	if s.cfs == nil {
		return
	}
	ver := s.cfs.Version("/storage.cfg")
	if s.storages.loaded && ver == s.storages.version {
		return
	}
	raw, _ := s.cfs.ReadFile("/storage.cfg")
	cfg := parseStorageConfig(string(raw), s.storagePluginsOf())
	for _, w := range cfg.warnings {
		s.opts.Logf("pvesim: %s", w)
	}
	s.storages.version, s.storages.loaded, s.storages.cfg = ver, true, cfg
	s.applyStorageConfig(cfg)
}

// refreshStorages is syncStorages for callers that do not hold s.mu.
func (s *Simulator) refreshStorages() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.syncStorages()
}

// storageCfg is the parsed storage.cfg, current as of this call.
func (s *Simulator) storageCfg() *storageConfig {
	s.syncStorages()
	return s.storages.cfg
}

func (s *Simulator) applyStorageConfig(cfg *storageConfig) {
	if s.storages.objects == nil {
		s.storages.objects = map[string]*storage{}
	}
	for _, n := range s.nodes {
		view := make(map[string]*storage, len(cfg.order))
		for _, id := range cfg.order {
			sec := cfg.ids[id]
			if !sec.availableOn(n.Name) || sec.foreign {
				continue
			}
			view[id] = s.storageObject(n, sec)
			s.activateDirs(n, sec)
		}
		n.Storages = view
	}
}

// contentSubdirs is Plugin.pm's default layout of a file-based storage.
var contentSubdirs = map[string]string{
	"images": "images", "rootdir": "private", "vztmpl": "template/cache", "iso": "template/iso",
	"backup": "dump", "snippets": "snippets", "import": "import",
}

// activateDirs is what activate_storage does on a node for a file-based
// storage (DirPlugin.pm, Plugin.pm activate_storage): the base directory and
// one directory per content type appear, unless create-base-path or
// create-subdirs (or the older mkdir) say no.
func (s *Simulator) activateDirs(n *node, sec *storageDef) {
	p := s.storagePluginsOf()[sec.Type]
	if !p.fileBased || sec.disabled() || sec.Opts["mkdir"] == "0" {
		return
	}
	base := sec.Opts["path"]
	if sec.Type == "nfs" {
		base = "/mnt/pve/" + sec.ID
	}
	if base == "" {
		return
	}
	if sec.Opts["create-base-path"] != "0" {
		_ = n.FS.MkdirAll(base, 0o755)
	} else if _, err := n.FS.Stat(base); err != nil {
		return
	}
	if sec.Opts["create-subdirs"] == "0" {
		return
	}
	for _, c := range sec.content() {
		if sub, ok := contentSubdirs[c]; ok {
			_ = n.FS.MkdirAll(base+"/"+sub, 0o755)
		}
	}
}

// storageObject finds or makes the volume set of a section on a node. The
// first time a storage is seen, the node's own (seeded or loaded from a
// state file) object is adopted; a shared storage merges what each node had.
func (s *Simulator) storageObject(n *node, sec *storageDef) *storage {
	key := objectKey(n.Name, sec)
	st := s.storages.objects[key]
	if st != nil && st.Type != sec.Type {
		st = nil // the ID was reused for another type: new, empty storage
	}
	if st == nil {
		st = &storage{ID: sec.ID, Type: sec.Type, Total: s.storagePluginsOf()[sec.Type].capacity, Volumes: map[string]*volume{}}
		for _, other := range s.nodes {
			if other != n && !sec.shared() {
				continue
			}
			if old := other.Storages[sec.ID]; old != nil && old.Type == sec.Type && old != st {
				if old.Total > 0 {
					st.Total = old.Total
				}
				for volid, v := range old.Volumes {
					st.Volumes[volid] = v
				}
			}
		}
		s.storages.objects[key] = st
	}
	st.Content = sec.content()
	st.Section = sec
	return st
}

// seedNodeStorages gives a fresh node the volumes of a fresh PVE install:
// the initial templates on 'local'; storage.cfg itself is written by
// seedClusterFS and adopted at the first sync.
func (s *Simulator) seedNodeStorages(n *node, now time.Time) {
	n.Storages["local"] = &storage{ID: "local", Type: "dir", Content: []string{"backup", "iso", "vztmpl"}, Total: 100 * gib,
		Volumes: map[string]*volume{}}
	n.Storages["local-lvm"] = &storage{ID: "local-lvm", Type: "lvmthin", Content: []string{"images", "rootdir"}, Total: 200 * gib,
		Volumes: map[string]*volume{}}
	for _, v := range s.initialTemplateVolumes("local", now.Add(-30*24*time.Hour)) {
		n.Storages["local"].Volumes[v.VolID] = v
	}
}

// enabledStorage follows storage_check_enabled (Storage.pm): the storage is
// configured, not disabled, and available on the node.
func (s *Simulator) enabledStorage(n *node, id string) (*storage, *apiError) {
	cfg := s.storageCfg()
	sec := cfg.ids[id]
	if sec == nil {
		return nil, fail("storage '%s' does not exist", id)
	}
	if sec.disabled() {
		return nil, fail("storage '%s' is disabled", id)
	}
	st := n.Storages[id]
	if st == nil {
		return nil, storageMissingOnNode(sec, n)
	}
	return st, nil
}

// storageMissingOnNode is why a configured storage has no view on a node:
// storage_check_node says it is not there, or, for a type the simulator
// does not simulate, activation finds it offline.
func storageMissingOnNode(sec *storageDef, n *node) *apiError {
	if sec.foreign && sec.availableOn(n.Name) {
		return fail("storage '%s' is not online", sec.ID)
	}
	return fail("storage '%s' is not available on node '%s'", sec.ID, n.Name)
}

// disabled tells whether a storage of a node's view is disabled in storage.cfg.
func (st *storage) disabled() bool {
	return st.Section != nil && st.Section.disabled()
}

// shared tells whether every node sees the storage's content.
func (st *storage) shared() bool {
	return st.Section != nil && st.Section.shared()
}
