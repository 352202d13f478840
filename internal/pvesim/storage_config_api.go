package pvesim

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
)

// storageConfigRoutes registers the paths of the cluster's storage.cfg (/storage).
func (s *Simulator) storageConfigRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{
		"/storage":                        {"GET": s.listStorageConfig, "POST": s.createStorageConfig},
		"/storage/{storage}":              {"GET": s.readStorageConfig, "PUT": s.updateStorageConfig, "DELETE": s.deleteStorageConfig},
		"/nodes/{node}/storage/{storage}": {"GET": s.storageDirIndex},
	}
}

// storageConfigJSON is $api_storage_config (API2/Storage/Config.pm): the
// section's options with booleans and integers as numbers, plus its ID and
// the file's digest. Sensitive options never reach storage.cfg, so they are
// never returned.
func storageConfigJSON(cfg *storageConfig, sec *storageDef) map[string]any {
	out := map[string]any{"storage": sec.ID, "type": sec.Type, "digest": cfg.digest}
	for k, v := range sec.Opts {
		switch storageOptionKind(k) {
		case "boolean", "integer":
			n, _ := strconv.Atoi(v)
			out[k] = n
		default:
			out[k] = v
		}
	}
	return out
}

// listStorageConfig is GET /storage: only storages the caller may audit or
// allocate space on, optionally of one type.
func (s *Simulator) listStorageConfig(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := s.storageCfg()
	out := []any{}
	for _, id := range cfg.storageIDs() {
		sec := cfg.ids[id]
		if !r.acc.hasAny(r.authid, "/storage/"+id, "Datastore.Audit", "Datastore.AllocateSpace") {
			continue
		}
		if t := r.params["type"]; t != "" && t != sec.Type {
			continue
		}
		out = append(out, storageConfigJSON(cfg, sec))
	}
	return out, nil
}

// readStorageConfig is GET /storage/{storage}.
func (s *Simulator) readStorageConfig(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg := s.storageCfg()
	sec := cfg.ids[r.params["storage"]]
	if sec == nil {
		return nil, fail("storage '%s' does not exist", r.params["storage"])
	}
	return storageConfigJSON(cfg, sec), nil
}

// storageCreateResult is what POST and PUT /storage answer.
type storageCreateResult struct {
	Storage string `json:"storage"`
	Type    string `json:"type"`
}

// checkStorageParams follows check_config (SectionConfig.pm) for API
// parameters: every key must be an option of the type, fixed options can
// only be given at creation, values take their printed form, and a new
// section needs all of its required options.
func checkStorageParams(p *storagePlugin, params map[string]string, create bool) (map[string]string, error) {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := map[string]string{}
	for _, k := range keys {
		if !create && p.options[k].fixed {
			return nil, fmt.Errorf("can't change value of fixed parameter '%s'", k)
		}
		v, _, err := checkStorageValue(p, k, params[k], true)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	if create {
		if missing := missingRequired(p, out); missing != "" {
			return nil, fmt.Errorf("missing value for required option '%s'", missing)
		}
	}
	return out, nil
}

// sensitiveParams is extract_sensitive_params (PVE/Tools.pm): the type's
// secrets are taken out of the parameters so they never reach storage.cfg; a
// secret named in delete is there with no value.
type sensitiveParams map[string]*string

func extractSensitive(p *storagePlugin, params map[string]string, deleted []string) sensitiveParams {
	out := sensitiveParams{}
	for _, k := range p.sensitive {
		if slices.Contains(deleted, k) {
			out[k] = nil
		}
		if v, ok := params[k]; ok {
			out[k] = &v
			delete(params, k)
		}
	}
	return out
}

// storageParams are the request's parameters without the path and control ones.
func storageParams(r *request, drop ...string) map[string]string {
	out := map[string]string{}
	for k, v := range r.params {
		if !slices.Contains(drop, k) {
			out[k] = v
		}
	}
	return out
}

// createStorageConfig is POST /storage (API2/Storage/Config.pm create):
// the parameters are checked first, the section is added under storage.cfg's
// cluster lock.
func (s *Simulator) createStorageConfig(r *request) (any, error) {
	typ, id := r.params["type"], r.params["storage"]
	s.mu.Lock()
	p := s.storagePluginsOf()[typ]
	s.mu.Unlock()
	if p == nil {
		return nil, fail("storage type '%s' is not simulated (simulated types: dir, lvmthin, nfs, pbs, zfspool)", typ)
	}
	params := storageParams(r, "type", "storage")
	if params["nodes"] == "" {
		delete(params, "nodes")
	}
	secrets := extractSensitive(p, params, nil)
	opts, err := checkStorageParams(p, params, true)
	if err != nil {
		return nil, fail("%v", err)
	}
	aerr := s.lockStorageConfig("create storage failed", func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		cfg := s.storageCfg()
		if cfg.ids[id] != nil {
			return fmt.Errorf("storage ID '%s' already defined", id)
		}
		if aerr := s.storageOnAdd(p, id, secrets); aerr != nil {
			return aerr
		}
		cfg.ids[id] = &storageDef{ID: id, Type: typ, Opts: opts}
		cfg.order = append(cfg.order, id)
		s.writeStorageConfig(cfg)
		return nil
	})
	if aerr != nil {
		return nil, aerr
	}
	return storageCreateResult{Storage: id, Type: typ}, nil
}

// updateStorageConfig is PUT /storage/{storage} (Config.pm update): all of
// it runs under storage.cfg's cluster lock, digest check included.
func (s *Simulator) updateStorageConfig(r *request) (any, error) {
	id := r.params["storage"]
	deleted := splitList(r.params["delete"])
	params := storageParams(r, "storage", "digest", "delete")
	var typ string
	aerr := s.lockStorageConfig("update storage failed", func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		cfg := s.storageCfg()
		if d := r.params["digest"]; d != "" && d != cfg.digest {
			return fmt.Errorf("detected modified configuration - file changed by other user? Try again.")
		}
		sec := cfg.ids[id]
		if sec == nil {
			return fmt.Errorf("storage '%s' does not exist", id)
		}
		typ = sec.Type
		p := s.storagePluginsOf()[sec.Type]
		if p == nil {
			return fmt.Errorf("storage type '%s' is not simulated (simulated types: dir, lvmthin, nfs, pbs, zfspool)", sec.Type)
		}
		secrets := extractSensitive(p, params, deleted)
		opts, err := checkStorageParams(p, params, false)
		if err != nil {
			return err
		}
		next := make(map[string]string, len(sec.Opts))
		for k, v := range sec.Opts {
			next[k] = v
		}
		for _, k := range deleted {
			rule, ok := p.options[k]
			switch {
			case !ok:
				return fmt.Errorf("no such option '%s'", k)
			case !rule.optional:
				return fmt.Errorf("unable to delete required option '%s'", k)
			case rule.fixed:
				return fmt.Errorf("unable to delete fixed option '%s'", k)
			}
			if _, set := opts[k]; set {
				return fmt.Errorf("cannot set and delete property '%s' at the same time!", k)
			}
			delete(next, k)
		}
		s.storageOnUpdate(id, secrets)
		for k, v := range opts {
			next[k] = v
		}
		cfg.ids[id] = &storageDef{ID: id, Type: sec.Type, Opts: next}
		s.writeStorageConfig(cfg)
		return nil
	})
	if aerr != nil {
		return nil, aerr
	}
	return storageCreateResult{Storage: id, Type: typ}, nil
}

// deleteStorageConfig is DELETE /storage/{storage} (Config.pm delete): the
// section goes under storage.cfg's cluster lock, the storage's data stays
// where it was.
func (s *Simulator) deleteStorageConfig(r *request) (any, error) {
	id := r.params["storage"]
	aerr := s.lockStorageConfig("delete storage failed", func() error {
		s.mu.Lock()
		defer s.mu.Unlock()
		cfg := s.storageCfg()
		if cfg.ids[id] == nil {
			return fmt.Errorf("storage '%s' does not exist", id)
		}
		s.storageOnDelete(id)
		delete(cfg.ids, id)
		cfg.order = slices.DeleteFunc(cfg.order, func(x string) bool { return x == id })
		s.writeStorageConfig(cfg)
		return nil
	})
	if aerr != nil {
		return nil, aerr
	}
	// remove_storage_access (AccessControl.pm): the storage's ACL subtree and
	// its pool memberships go; user.cfg has its own lock.
	err := s.changeUserConfig(func(c *userConfig) error {
		if st := c.ACL.Children["storage"]; st != nil {
			delete(st.Children, id)
		}
		for _, p := range c.Pools {
			delete(p.Storage, id)
		}
		return nil
	})
	if err != nil {
		return nil, fail("access permissions cleanup for storage %s failed: %v", id, err)
	}
	return nil, nil
}

// writeStorageConfig prints storage.cfg into /etc/pve and applies it.
func (s *Simulator) writeStorageConfig(cfg *storageConfig) {
	text := cfg.String(s.storagePluginsOf())
	_ = s.cfs.WriteFile("/storage.cfg", []byte(text), 0o640)
	s.syncStorages()
	s.persistSoon()
}

// pbsPasswordFile is pbs_password_file_name (PBSPlugin.pm).
func pbsPasswordFile(id string) string { return "/priv/storage/" + id + ".pw" }

// storageOnAdd is the plugin's on_add_hook: a PBS storage keeps its password
// in /etc/pve/priv/storage/<id>.pw, never in storage.cfg.
func (s *Simulator) storageOnAdd(p *storagePlugin, id string, secrets sensitiveParams) *apiError {
	if p.typ != "pbs" {
		return nil
	}
	if _, ok := secrets["master-pubkey"]; ok && secrets["encryption-key"] == nil {
		return fail("'master-pubkey' can only be used together with 'encryption-key'")
	}
	if pw := secrets["password"]; pw != nil {
		s.setPBSPassword(id, *pw)
	} else {
		_ = s.cfs.Remove(pbsPasswordFile(id))
	}
	return nil
}

// storageOnUpdate is on_update_hook: a password given replaces the file, a
// deleted one removes it.
func (s *Simulator) storageOnUpdate(id string, secrets sensitiveParams) {
	pw, ok := secrets["password"]
	switch {
	case !ok:
	case pw == nil:
		_ = s.cfs.Remove(pbsPasswordFile(id))
	default:
		s.setPBSPassword(id, *pw)
	}
}

// storageOnDelete is on_delete_hook: the storage's secrets go with it.
func (s *Simulator) storageOnDelete(id string) {
	_ = s.cfs.Remove(pbsPasswordFile(id))
}

func (s *Simulator) setPBSPassword(id, password string) {
	_ = s.cfs.MkdirAll("/priv/storage", 0o700)
	_ = s.cfs.WriteFile(pbsPasswordFile(id), []byte(password+"\n"), 0o600)
}

// storageDirIndex is GET /nodes/{node}/storage/{storage} (Status.pm diridx).
// PVE 9.1 adds oci-registry-pull (pve-storage master).
func (s *Simulator) storageDirIndex(*request) (any, error) {
	out := []map[string]string{}
	for _, sub := range []string{"content", "download-url", "file-restore", "import-metadata", "oci-registry-pull", "prunebackups", "rrd", "rrddata",
		"status", "upload"} {
		if sub == "oci-registry-pull" && s.release == release84 {
			continue
		}
		out = append(out, map[string]string{"subdir": sub})
	}
	return out, nil
}

// storageIDs lists the configured storages in a stable order.
func (cfg *storageConfig) storageIDs() []string {
	ids := slices.Clone(cfg.order)
	sort.Strings(ids)
	return ids
}
