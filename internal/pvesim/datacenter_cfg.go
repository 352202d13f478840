package pvesim

import (
	"sort"
	"strconv"
	"strings"
)

const datacenterCfgPath = "/datacenter.cfg"

// defaultMACPrefix is Proxmox's OUI, which parse_datacenter_config fills in
// when the file names none.
const defaultMACPrefix = "BC:24:11"

// datacenterConfig is /etc/pve/datacenter.cfg as parse_datacenter_config
// (pve-cluster src/PVE/DataCenterConfig.pm) returns it: plain keys as
// strings, the property strings that the tag rules read decoded.
type datacenterConfig struct {
	values      map[string]string // key -> value as written in the file
	description string
}

func (s *Simulator) readDatacenterConfig() *datacenterConfig {
	raw, _ := s.cfs.ReadFile(datacenterCfgPath)
	return parseDatacenterConfig(string(raw))
}

func parseDatacenterConfig(raw string) *datacenterConfig {
	dc := &datacenterConfig{values: map[string]string{}}
	for _, line := range strings.Split(raw, "\n") {
		if rest, ok := strings.CutPrefix(line, "#"); ok {
			dc.description += decodeText(rest) + "\n"
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(key) == "" {
			continue
		}
		dc.values[strings.TrimSpace(key)] = strings.TrimSpace(value)
	}
	return dc
}

// String is write_datacenter_config: the description as comments, a blank
// line, then the keys sorted.
func (dc *datacenterConfig) String() string {
	var b strings.Builder
	for _, line := range strings.Split(strings.TrimSuffix(dc.description, "\n"), "\n") {
		if line != "" {
			b.WriteString("#" + encodeText(line) + "\n")
		}
	}
	b.WriteString("\n")
	keys := make([]string, 0, len(dc.values))
	for k := range dc.values {
		if k == "mac_prefix" && strings.EqualFold(dc.values[k], defaultMACPrefix) {
			continue
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k + ": " + dc.values[k] + "\n")
	}
	return b.String()
}

// tagAccess is user-tag-access with its defaults.
type tagAccess struct {
	userAllow string // none, list, existing, free
	allowList []string
}

func (dc *datacenterConfig) tagAccess() tagAccess {
	ta := tagAccess{userAllow: "free"}
	if v := dc.values["user-tag-access"]; v != "" {
		props := propertyMap(v)
		if a := props["user-allow"]; a != "" {
			ta.userAllow = a
		}
		if l := props["user-allow-list"]; l != "" {
			ta.allowList = strings.Split(l, ";")
		}
	}
	return ta
}

func (dc *datacenterConfig) registeredTags() []string {
	if v := dc.values["registered-tags"]; v != "" {
		return strings.Split(v, ";")
	}
	return nil
}

// apiValue is the option as GET /cluster/options returns it: property
// strings as objects, tag lists as arrays, booleans and numbers typed.
func (dc *datacenterConfig) apiValue(key string) any {
	v := dc.values[key]
	switch key {
	case "tag-style":
		props := propertyMap(v)
		out := map[string]any{}
		for k, pv := range props {
			if k == "case-sensitive" {
				out[k] = atoiDefault(pv, 0)
			} else {
				out[k] = pv
			}
		}
		return out
	case "user-tag-access":
		ta := dc.tagAccess()
		out := map[string]any{}
		props := propertyMap(v)
		if _, ok := props["user-allow"]; ok {
			out["user-allow"] = ta.userAllow
		}
		if ta.allowList != nil {
			out["user-allow-list"] = ta.allowList
		}
		return out
	case "registered-tags":
		return dc.registeredTags()
	case "max_workers":
		if n, err := strconv.Atoi(v); err == nil {
			return n
		}
	}
	return v
}

// propertyMap splits a property string "k=v,k2=v2" of the datacenter config.
func propertyMap(v string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(v, ",") {
		if k, val, ok := strings.Cut(part, "="); ok {
			out[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
	}
	return out
}
