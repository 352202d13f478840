package pvesim

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// storageDef is one section of /etc/pve/storage.cfg: a type, an ID and
// the options of that type. Options hold their printed form: booleans as
// 0/1, content and nodes as comma lists.
type storageDef struct {
	ID   string
	Type string
	Opts map[string]string
	// foreign marks a type PVE has but the simulator does not simulate
	// (cifs, rbd, ...): its lines are kept as written so that an API write
	// of storage.cfg does not lose it, and no node can use it.
	foreign bool
	lines   [][2]string
}

// foreignStorageTypes are PVE's other storage types (Plugin.pm lookup_types).
var foreignStorageTypes = map[string]bool{
	"btrfs": true, "cephfs": true, "cifs": true, "esxi": true, "glusterfs": true, "iscsi": true,
	"iscsidirect": true, "lvm": true, "rbd": true, "zfs": true,
}

// storageConfig is storage.cfg parsed as PVE::Storage::Plugin->parse_config
// does: sections in file order, the file's digest, and what was skipped.
type storageConfig struct {
	order    []string
	ids      map[string]*storageDef
	digest   string
	warnings []string
}

var (
	storageIDRE     = regexp.MustCompile(`(?i)^[a-z][a-z0-9\-_.]*[a-z0-9]$`)
	sectionHeaderRE = regexp.MustCompile(`^(\S+):\s*(\S+)\s*$`)
	sectionPropRE   = regexp.MustCompile(`^\s+(\S+)(\s+(.*\S))?\s*$`)
	nodeNameRE      = regexp.MustCompile(`^(?i:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)$`)
)

func (sec *storageDef) content() []string {
	return splitList(sec.Opts["content"])
}

func (sec *storageDef) hasContent(ct string) bool {
	return slices.Contains(sec.content(), ct)
}

func (sec *storageDef) disabled() bool { return sec.Opts["disable"] == "1" }

// shared is the shared flag: set in the file, or implied by the type.
func (sec *storageDef) shared() bool { return sec.Opts["shared"] == "1" }

// nodes is the node restriction; nil means every node.
func (sec *storageDef) nodes() []string { return splitList(sec.Opts["nodes"]) }

// availableOn follows storage_check_node (Storage.pm).
func (sec *storageDef) availableOn(node string) bool {
	list := sec.nodes()
	return len(list) == 0 || slices.Contains(list, node)
}

// decodeContent follows decode_value for 'content' (Plugin.pm): unknown
// types are dropped with a warning, 'none' stands alone, and an empty list
// is only allowed where the type supports 'none'.
func decodeContent(p *storagePlugin, value string) (string, []string, error) {
	var warnings []string
	set := map[string]bool{}
	for _, c := range splitList(value) {
		if !slices.Contains(p.content, c) {
			warnings = append(warnings, fmt.Sprintf("storage does not support content type '%s'", c))
			continue
		}
		set[c] = true
	}
	if set["none"] && len(set) > 1 {
		return "", warnings, fmt.Errorf("unable to combine 'none' with other content types")
	}
	if len(set) == 0 && !slices.Contains(p.content, "none") {
		return "", warnings, fmt.Errorf("storage does not support content type 'none'")
	}
	return encodeContent(set), warnings, nil
}

func encodeContent(set map[string]bool) string {
	var out []string
	for _, c := range storageContentOrder {
		if set[c] && c != "none" {
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ",")
}

// decodeNodes keeps the valid node names of a list, as decode_value does.
func decodeNodes(value string) string {
	var out []string
	for _, n := range splitList(value) {
		if nodeNameRE.MatchString(n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return strings.Join(out, ",")
}

// checkStorageValue follows check_value and decode_value (SectionConfig.pm,
// Plugin.pm): the option must belong to the type, and the value is brought
// into its printed form.
//
//nolint:unparam // the warnings are decode_value's (unsupported content types dropped); no caller prints them yet
func checkStorageValue(p *storagePlugin, key, value string, present bool) (string, []string, error) {
	if _, ok := p.options[key]; !ok {
		return "", nil, fmt.Errorf("unexpected property '%s'", key)
	}
	kind := storageOptionKind(key)
	if kind == "boolean" && !present {
		value = "1"
	}
	if strings.ContainsAny(value, "\r\n") {
		return "", nil, fmt.Errorf("property contains a line feed")
	}
	switch kind {
	case "boolean":
		b, ok := parsePVEBool(value)
		if !ok {
			return "", nil, fmt.Errorf("type check ('boolean') failed - got '%s'", value)
		}
		return map[bool]string{true: "1", false: "0"}[b], nil, nil
	case "integer":
		n, err := strconv.Atoi(value)
		if err != nil {
			return "", nil, fmt.Errorf("type check ('integer') failed - got '%s'", value)
		}
		return strconv.Itoa(n), nil, nil
	}
	switch key {
	case "content":
		return decodeContent(p, value)
	case "nodes":
		return decodeNodes(value), nil, nil
	}
	return value, nil, nil
}

// parsePVEBool accepts what PVE::JSONSchema accepts for a boolean.
func parsePVEBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "1", "yes", "on", "true":
		return true, true
	case "0", "no", "off", "false":
		return false, true
	}
	return false, false
}

// parseStorageConfig reads storage.cfg as PVE::SectionConfig::parse_config
// and PVE::Storage::Plugin::parse_config do: bad sections are skipped with a
// warning, 'local' is always a dir storage on /var/lib/vz, every section
// gets its type's default content, and shared types are marked shared.
func parseStorageConfig(raw string, plugins map[string]*storagePlugin) *storageConfig {
	sum := sha1.Sum([]byte(raw))
	cfg := &storageConfig{ids: map[string]*storageDef{}, digest: hex.EncodeToString(sum[:])}
	lines := strings.Split(raw, "\n")
	lineno := 0
	next := func() (string, bool) {
		for len(lines) > 0 {
			line := lines[0]
			lines = lines[1:]
			lineno++
			if !strings.HasPrefix(strings.TrimLeft(line, " \t"), "#") {
				return line, true
			}
		}
		return "", false
	}
	warn := func(format string, args ...any) {
		cfg.warnings = append(cfg.warnings, fmt.Sprintf("file /etc/pve/storage.cfg line %d ", lineno)+fmt.Sprintf(format, args...))
	}
	for len(lines) > 0 {
		line, ok := next()
		if !ok || line == "" {
			continue
		}
		m := sectionHeaderRE.FindStringSubmatch(line)
		if m == nil {
			warn("- ignore config line: %s", line)
			continue
		}
		typ, id := strings.ToLower(m[1]), m[2]
		plugin := plugins[typ]
		skip := false
		switch {
		case !storageIDRE.MatchString(id):
			warn("(skip section '%s'): storage ID '%s' contains illegal characters", id, id)
			skip = true
		case plugin == nil && !foreignStorageTypes[typ]:
			warn("(skip section '%s'): unsupported type '%s'", id, typ)
			skip = true
		}
		sec := &storageDef{ID: id, Type: typ, Opts: map[string]string{}, foreign: plugin == nil}
		for {
			line, ok = next()
			if !ok || line == "" {
				break
			}
			if skip {
				continue
			}
			if sec.foreign {
				if pm := sectionPropRE.FindStringSubmatch(line); pm != nil {
					sec.lines = append(sec.lines, [2]string{pm[1], pm[3]})
					if _, dup := sec.Opts[pm[1]]; !dup {
						sec.Opts[pm[1]] = pm[3]
					}
				}
				continue
			}
			pm := sectionPropRE.FindStringSubmatch(line)
			if pm == nil {
				warn("(section '%s') - ignore config line: %s", id, line)
				continue
			}
			key, value := pm[1], pm[3]
			if _, dup := sec.Opts[key]; dup {
				warn("(section '%s') - unable to parse value of '%s': duplicate attribute", id, key)
				continue
			}
			v, _, err := checkStorageValue(plugin, key, value, pm[2] != "")
			if err != nil {
				warn("(section '%s') - unable to parse value of '%s': %v", id, key, err)
				continue
			}
			sec.Opts[key] = v
		}
		if skip {
			continue
		}
		if sec.foreign {
			if sec.Opts["disable"] == "" && slices.ContainsFunc(sec.lines, func(l [2]string) bool { return l[0] == "disable" }) {
				sec.Opts["disable"] = "1"
			}
		} else if missing := missingRequired(plugin, sec.Opts); missing != "" {
			warn("(skip section '%s'): missing value for required option '%s'", id, missing)
			continue
		}
		if _, dup := cfg.ids[id]; !dup {
			cfg.order = append(cfg.order, id)
		}
		cfg.ids[id] = sec
	}
	cfg.ensureLocal()
	for _, sec := range cfg.ids {
		// Types the simulator does not model are still marked shared.
		if sharedStorageTypes[sec.Type] {
			sec.Opts["shared"] = "1"
		}
		p := plugins[sec.Type]
		if p == nil {
			continue
		}
		if _, ok := sec.Opts["content"]; !ok {
			sec.Opts["content"] = strings.Join(p.defaultContent, ",")
		}
	}
	return cfg
}

// ensureLocal makes sure 'local' is a dir storage on /var/lib/vz on every
// node, as Plugin.pm's parse_config does.
func (cfg *storageConfig) ensureLocal() {
	local := cfg.ids["local"]
	if local == nil || local.Type != "dir" || (local.Opts["path"] != "" && local.Opts["path"] != "/var/lib/vz") {
		local = &storageDef{ID: "local", Type: "dir", Opts: map[string]string{
			"path": "/var/lib/vz", "prune-backups": "keep-all=1",
			"content": "images,rootdir,vztmpl,iso,backup,snippets",
		}}
		if cfg.ids["local"] == nil {
			cfg.order = append([]string{"local"}, cfg.order...)
		}
		cfg.ids["local"] = local
	}
	delete(local.Opts, "nodes")
}

func missingRequired(p *storagePlugin, opts map[string]string) string {
	keys := make([]string, 0, len(p.options))
	for k := range p.options {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := opts[k]; !p.options[k].optional && !ok {
			return k
		}
	}
	return ""
}

// String prints storage.cfg as PVE::SectionConfig::write_config does: the
// header, 'disable' as a bare word, the required options sorted, then the
// optional ones sorted, and a blank line after every section.
func (cfg *storageConfig) String(plugins map[string]*storagePlugin) string {
	var b strings.Builder
	for _, id := range cfg.order {
		sec := cfg.ids[id]
		p := plugins[sec.Type]
		fmt.Fprintf(&b, "%s: %s\n", sec.Type, id)
		if sec.foreign {
			for _, l := range sec.lines {
				b.WriteString(strings.TrimRight("\t"+l[0]+" "+l[1], " ") + "\n")
			}
			b.WriteString("\n")
			continue
		}
		if sec.disabled() {
			b.WriteString("\tdisable\n")
		}
		keys := make([]string, 0, len(p.options))
		for k := range p.options {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, pass := range []bool{false, true} {
			for _, k := range keys {
				v, ok := sec.Opts[k]
				if k == "disable" || p.options[k].optional != pass || !ok || v == "" {
					continue
				}
				fmt.Fprintf(&b, "\t%s %s\n", k, v)
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
