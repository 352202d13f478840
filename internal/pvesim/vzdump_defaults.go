package pvesim

import (
	"sort"
	"strconv"
	"strings"
)

// vzdumpConfPath is the node's vzdump defaults file (PVE/VZDump.pm
// read_vzdump_defaults).
const vzdumpConfPath = "/etc/vzdump.conf"

// vzdumpSchemaDefaults are the vzdump options with a schema default
// (pve-guest-common src/PVE/VZDump/Common.pm $confdesc), as
// read_vzdump_defaults starts from them: numbers as Perl holds them.
func vzdumpSchemaDefaults() map[string]any {
	return map[string]any{
		"all": 0, "stdexcludes": 1, "compress": "0", "pigz": 0, "zstd": 1, "quiet": 0, "mode": "snapshot",
		"mailnotification": "always", "notification-mode": "auto", "stop": 0, "bwlimit": 0, "ionice": 7,
		"lockwait": 180, "stopwait": 10, "remove": 1,
		// backup-performance and backup-fleecing formats' own defaults.
		"performance": map[string]any{"max-workers": 16, "pbs-entries-max": 1048576},
		"fleecing":    map[string]any{"enabled": 0},
	}
}

// vzdumpConf reads the node's /etc/vzdump.conf as parse_config does:
// "key: value" lines, comments and blank lines skipped. A missing file is
// no options. The caller holds s.mu.
func (s *Simulator) vzdumpConf(n *node) map[string]string {
	conf := map[string]string{}
	raw, err := n.FS.ReadFile(vzdumpConfPath)
	if err != nil {
		return conf
	}
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			conf[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return conf
}

// vzdumpPrune is the prune-backups vzdump applies on a storage
// (VZDump->new): the storage's own (storage_info), else vzdump.conf's (on
// 8.4 also its maxfiles, parse_prune_backups_maxfiles), else the schema
// default keep-all=1. The caller holds s.mu.
func (s *Simulator) vzdumpPrune(n *node, st *storage) string {
	if st != nil && st.Section != nil && st.Section.Opts["prune-backups"] != "" {
		return st.Section.Opts["prune-backups"]
	}
	conf := s.vzdumpConf(n)
	if p := conf["prune-backups"]; p != "" {
		return p
	}
	if m, ok := conf["maxfiles"]; ok && s.rel().release == "8.4" {
		if n, _ := strconv.Atoi(m); n > 0 {
			return "keep-last=" + m
		}
	}
	return "keep-all=1"
}

// vzdumpDefaults is GET /nodes/{node}/vzdump/defaults (pve-manager
// PVE/API2/VZDump.pm defaults): the schema defaults under vzdump.conf, the
// storage asked or vzdump.conf's or local, checked for Datastore.Audit or
// Datastore.AllocateSpace, its dumpdir and prune-backups from storage_info,
// and the options only node auditors see removed for others.
func (s *Simulator) vzdumpDefaults(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	res := vzdumpSchemaDefaults()
	conf := s.vzdumpConf(n)
	for k, v := range conf {
		if k != "prune-backups" && k != "maxfiles" {
			res[k] = v // parse_config keeps the file's text
		}
	}
	if st := r.params["storage"]; st != "" {
		res["storage"] = st
	}
	if res["dumpdir"] == nil && res["storage"] == nil {
		res["storage"] = "local"
	}
	var st *storage
	if id, ok := res["storage"].(string); ok {
		if aerr := r.acc.checkAny(r.authid, "/storage/"+id, "Datastore.Audit", "Datastore.AllocateSpace"); aerr != nil {
			return nil, aerr
		}
		sec := s.storageCfg().ids[id]
		if sec == nil {
			return nil, fail("storage '%s' does not exist", id)
		}
		if !sec.hasContent("backup") {
			return nil, fail("can't use storage '%s' for backups - wrong content type", id)
		}
		st = n.Storages[id]
		if sec.Type != "pbs" && st != nil {
			res["dumpdir"] = s.backupDir(st)
		}
	}
	res["prune-backups"] = printPruneBackups(s.vzdumpPrune(n, st))
	if !r.acc.has(r.authid, "/nodes/"+n.Name, "Sys.Audit") {
		for _, k := range []string{"mailto", "tmpdir", "dumpdir", "script", "ionice"} {
			delete(res, k)
		}
	}
	return res, nil
}

// vzdumpStorage is the storage of a vzdump that names none
// (VZDump->new, get_storage_param): vzdump.conf's, else local. The caller
// holds s.mu.
func (s *Simulator) vzdumpStorage(n *node) string {
	if st := s.vzdumpConf(n)["storage"]; st != "" {
		return st
	}
	return "local"
}

// printPruneBackups prints prune-backups as print_property_string does for
// its format (no default key): the keys sorted.
func printPruneBackups(value string) string {
	parts := strings.Split(value, ",")
	sort.Strings(parts)
	return strings.Join(parts, ",")
}
