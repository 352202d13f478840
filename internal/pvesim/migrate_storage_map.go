package pvesim

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// storageMap is parse_idmap's result for a migration's 'target-storage'
// (pve-common src/PVE/JSONSchema.pm): SOURCE:TARGET entries, one default
// target for every other storage, or "1" for each storage itself.
type storageMap struct {
	entries  map[string]string
	fallback string
	identity bool
}

// storageIDPattern is the pve-storage-id format.
var storageIDPattern = regexp.MustCompile(`(?i)^[a-z][a-z0-9\-_.]*[a-z0-9]$`)

// parseStorageMap is parse_idmap with the pve-storage-id format; nil for an
// empty value (no map: every volume stays on its storage's id).
func parseStorageMap(raw string) (*storageMap, error) {
	if raw == "" {
		return nil, nil
	}
	m := &storageMap{}
	checkID := func(entry, id string) error {
		if !storageIDPattern.MatchString(id) {
			return fmt.Errorf("entry '%s' contains invalid ID - storage ID '%s' contains illegal characters", entry, id)
		}
		return nil
	}
	for _, entry := range splitList(raw) {
		source, target, pair := strings.Cut(entry, ":")
		switch {
		case entry == "1":
			m.identity = true
		case pair && source != "" && target != "" && !strings.Contains(target, ":"):
			if err := checkID(entry, source); err != nil {
				return nil, err
			}
			if err := checkID(entry, target); err != nil {
				return nil, err
			}
			if _, dup := m.entries[source]; dup {
				return nil, fmt.Errorf("duplicate mapping for source '%s'", source)
			}
			if m.entries == nil {
				m.entries = map[string]string{}
			}
			m.entries[source] = target
		default:
			if err := checkID(entry, entry); err != nil {
				return nil, err
			}
			if m.fallback != "" {
				return nil, errors.New("default target ID can only be provided once")
			}
			m.fallback = entry
		}
	}
	if m.identity && (m.fallback != "" || m.entries != nil) {
		return nil, errors.New("identity mapping cannot be combined with other mappings")
	}
	return m, nil
}

// mapID is map_id: the entry for source, else the default, else source.
func (m *storageMap) mapID(source string) string {
	if m == nil {
		return source
	}
	if t, ok := m.entries[source]; ok {
		return t
	}
	if m.fallback != "" {
		return m.fallback
	}
	return source
}

// migrateStorageMap reads 'target-storage' as migrate_vm does before it
// forks the worker: a map that moves volumes to other storages needs
// VM.Config.Disk on the guest, and every target storage must pass
// $check_storage_access_migrate on the target node (storage_check_enabled,
// Datastore.AllocateSpace, content rootdir).
func (s *Simulator) migrateStorageMap(r *request, g *guest, tn *node) (*storageMap, *apiError) {
	m, err := parseStorageMap(r.params["target-storage"])
	if err != nil {
		return nil, paramFail("target-storage", "failed to parse storage map: "+err.Error())
	}
	if m == nil {
		return nil, nil
	}
	if !m.identity && r.authid != "root@pam" {
		if aerr := r.acc.checkVMPerm(r.authid, g.VMID, "", "VM.Config.Disk"); aerr != nil {
			return nil, aerr
		}
	}
	targets := make([]string, 0, len(m.entries)+1)
	for _, t := range m.entries {
		targets = append(targets, t)
	}
	slices.Sort(targets)
	if m.fallback != "" {
		targets = append(targets, m.fallback)
	}
	for _, sid := range targets {
		st, aerr := s.enabledStorage(tn, sid)
		if aerr != nil {
			return nil, aerr
		}
		if aerr := r.acc.check(r.authid, "/storage/"+sid, "Datastore.AllocateSpace"); r.authid != "root@pam" && aerr != nil {
			return nil, aerr
		}
		if !slices.Contains(st.Content, "rootdir") {
			return nil, fail("storage '%s' does not support CT rootdirs", sid)
		}
	}
	return m, nil
}
