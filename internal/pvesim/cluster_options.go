package pvesim

import (
	"sort"
	"strings"
)

// GET and PUT /cluster/options, kept in /etc/pve/datacenter.cfg, as
// pve-manager's PVE/API2/Cluster.pm answers them.

// getClusterOptions: with Sys.Audit on / the whole configuration, otherwise
// only console and tag-style; always the tags the caller may use.
func (s *Simulator) getClusterOptions(r *request) (any, error) {
	dc := s.readDatacenterConfig()
	out := map[string]any{}
	if r.acc.has(r.authid, "/", "Sys.Audit") {
		for k := range dc.values {
			out[k] = dc.apiValue(k)
		}
		if _, ok := out["mac_prefix"]; !ok {
			out["mac_prefix"] = defaultMACPrefix
		}
		out["description"] = dc.description
	} else {
		for _, k := range []string{"console", "tag-style"} {
			if _, ok := dc.values[k]; ok {
				out[k] = dc.apiValue(k)
			}
		}
	}
	privileged := r.acc.has(r.authid, "/", "Sys.Modify")
	guestTags := func() map[int]string {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.guestTagsLocked()
	}
	allowed, _, _ := s.allowedTags(r.acc, r.authid, privileged, guestTags)
	out["allowed-tags"] = sortedKeys(allowed)
	return out, nil
}

// putClusterOptions sets the given options and removes those in delete,
// under the file's cluster lock.
func (s *Simulator) putClusterOptions(r *request) (any, error) {
	s.accessWriteMu.Lock()
	defer s.accessWriteMu.Unlock()
	dc := s.readDatacenterConfig()
	for k, v := range r.params {
		switch k {
		case "delete":
			continue
		case "description":
			dc.description = v
		case "user-tag-access", "registered-tags":
			dc.values[k] = sortTagLists(k, v)
		default:
			dc.values[k] = v
		}
	}
	for _, k := range splitList(r.params["delete"]) {
		if k == "description" {
			dc.description = ""
		}
		delete(dc.values, k)
	}
	if err := s.cfs.WriteFile(datacenterCfgPath, []byte(dc.String()), 0o640); err != nil {
		return nil, fail("%v", err)
	}
	s.persistSoon()
	return nil, nil
}

// sortTagLists writes tag lists sorted, as write_datacenter_config does.
func sortTagLists(key, v string) string {
	sortList := func(list string) string {
		tags := strings.Split(list, ";")
		sort.Strings(tags)
		return strings.Join(tags, ";")
	}
	if key == "registered-tags" {
		return sortList(v)
	}
	parts := strings.Split(v, ",")
	for i, p := range parts {
		if list, ok := strings.CutPrefix(p, "user-allow-list="); ok {
			parts[i] = "user-allow-list=" + sortList(list)
		}
	}
	return strings.Join(parts, ",")
}
