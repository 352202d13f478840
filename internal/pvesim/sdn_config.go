package pvesim

import (
	"crypto/sha1" //nolint:gosec // SectionConfig's digest is SHA-1, as PVE computes it
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// PVE's SDN keeps its pending configuration in three section-config files
// under /etc/pve/sdn (pve-network src/PVE/Network/SDN/Zones/Plugin.pm,
// VnetPlugin.pm, SubnetPlugin.pm register them) and the applied one in
// sdn/.running-config, JSON (SDN.pm commit_config). This file reads and
// writes them as those modules do.
const (
	sdnZonesPath   = "/sdn/zones.cfg"
	sdnVnetsPath   = "/sdn/vnets.cfg"
	sdnSubnetsPath = "/sdn/subnets.cfg"
	sdnRunningPath = "/sdn/.running-config"
	// sdnLockID is cfs_lock_file("sdn/.running-config")'s lock, which
	// SDN.pm lock_sdn_config takes around every change.
	sdnLockID = "file-sdn__running-config"
)

// sdnObj is one section (or one object of the running config) as the Perl
// holds it: strings, numbers (check_value's "$value + 0" of booleans and
// integers, float64 here as JSON decodes them), dhcp-range's list ([]any of
// strings) and nodes/exitnodes as a set (map[string]any).
type sdnObj map[string]any

// sdnCfg is a parsed section-config file: its sections, their file order
// and the SHA-1 of the raw text (SectionConfig parse_config's digest).
type sdnCfg struct {
	IDs    map[string]sdnObj `json:"ids"`
	order  []string
	digest string
}

// sdnOption is one option of a section type: required ones are written
// first (SectionConfig write_config).
type sdnOption struct {
	name     string
	required bool
}

func opts(required []string, optional ...string) []sdnOption {
	out := []sdnOption{}
	for _, n := range required {
		out = append(out, sdnOption{n, true})
	}
	for _, n := range optional {
		out = append(out, sdnOption{name: n})
	}
	return out
}

// sdnTypeOptions are the options of each section type (the plugins'
// `options`). Only simple zones get bridges and DHCP in the simulator; the
// other zone types are stored as PVE stores them.
var sdnTypeOptions = map[string][]sdnOption{
	"simple": opts(nil, "dhcp", "dns", "dnszone", "ipam", "mtu", "nodes", "reversedns"),
	"vlan":   opts([]string{"bridge"}, "bridge-disable-mac-learning", "dns", "dnszone", "ipam", "mtu", "nodes", "reversedns"),
	"qinq": opts([]string{"bridge", "tag"}, "bridge-disable-mac-learning", "dns", "dnszone", "ipam", "mtu", "nodes",
		"reversedns", "vlan-protocol"),
	"vxlan": opts([]string{"peers"}, "dns", "dnszone", "ipam", "mtu", "nodes", "reversedns", "vxlan-port"),
	"evpn": opts([]string{"controller", "vrf-vxlan"}, "advertise-subnets", "bridge-disable-mac-learning",
		"disable-arp-nd-suppression", "dns", "dnszone", "exitnodes", "exitnodes-local-routing", "exitnodes-primary",
		"ipam", "mac", "mtu", "nodes", "reversedns", "rt-import", "vxlan-port"),
	"faucet": opts([]string{"controller", "dp-id"}, "dns", "dnszone", "ipam", "reversedns"),
	"vnet":   opts([]string{"zone"}, "alias", "isolate-ports", "tag", "vlanaware"),
	"subnet": opts([]string{"vnet"}, "dhcp-dns-server", "dhcp-range", "dnszoneprefix", "gateway", "snat"),
}

// sdnNumericKeys are the boolean and integer options, numbers once parsed.
var sdnNumericKeys = map[string]bool{
	"mtu": true, "tag": true, "vlanaware": true, "isolate-ports": true, "snat": true, "dp-id": true, "vrf-vxlan": true,
	"vxlan-port": true, "advertise-subnets": true, "bridge-disable-mac-learning": true,
	"disable-arp-nd-suppression": true, "exitnodes-local-routing": true,
}

// decodeSDNValue is check_value plus the plugins' decode_value: numbers for
// numeric options, a set for nodes and exitnodes.
func decodeSDNValue(key, value string) any {
	switch {
	case sdnNumericKeys[key]:
		f, _ := strconv.ParseFloat(value, 64)
		return f
	case key == "nodes" || key == "exitnodes":
		set := map[string]any{}
		for _, n := range splitList(value) {
			set[n] = float64(1)
		}
		return set
	}
	return value
}

// sdnString is SDN.pm encode_value as a string: sets and lists joined by
// commas, sorted; numbers as Perl prints them.
func sdnString(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case map[string]any:
		return strings.Join(sortedKeys(t), ",")
	case []any:
		parts := make([]string, 0, len(t))
		for _, p := range t {
			parts = append(parts, sdnString(p))
		}
		sort.Strings(parts)
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v)
}

// parseSDNConfig is SectionConfig parse_config for the SDN files: a
// "<type>: <id>" header and tab-indented "<key> <value>" lines; a list
// option repeats its key.
func parseSDNConfig(raw string) *sdnCfg {
	sum := sha1.Sum([]byte(raw)) //nolint:gosec // see the import
	cfg := &sdnCfg{IDs: map[string]sdnObj{}, digest: hex.EncodeToString(sum[:])}
	var cur sdnObj
	for _, line := range strings.Split(raw, "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "#"):
			if trimmed == "" {
				cur = nil
			}
		case cur == nil && line[0] != ' ' && line[0] != '\t':
			typ, id, ok := strings.Cut(trimmed, ":")
			id = strings.TrimSpace(id)
			if !ok || id == "" || strings.ContainsAny(id, " \t") {
				continue
			}
			cur = sdnObj{"type": strings.ToLower(typ)}
			cfg.IDs[id] = cur
			cfg.order = append(cfg.order, id)
		case cur != nil:
			key, value, _ := strings.Cut(trimmed, " ")
			value = strings.TrimSpace(value)
			if key == "dhcp-range" {
				list, _ := cur[key].([]any)
				cur[key] = append(list, value)
				continue
			}
			cur[key] = decodeSDNValue(key, value)
		}
	}
	return cfg
}

// String is SectionConfig write_config: sections in their order (new ones
// last), required options first, then the others, each sorted.
func (cfg *sdnCfg) String() string {
	var b strings.Builder
	seen := map[string]bool{}
	order := []string{}
	for _, id := range cfg.order {
		if cfg.IDs[id] != nil && !seen[id] {
			seen[id] = true
			order = append(order, id)
		}
	}
	for _, id := range sortedKeys(cfg.IDs) {
		if !seen[id] {
			order = append(order, id)
		}
	}
	for _, id := range order {
		obj := cfg.IDs[id]
		typ, _ := obj["type"].(string)
		fmt.Fprintf(&b, "%s: %s\n", typ, id)
		for _, o := range sdnTypeOptions[typ] {
			switch v := obj[o.name].(type) {
			case nil:
			case []any:
				for _, item := range v {
					fmt.Fprintf(&b, "\t%s %s\n", o.name, sdnString(item))
				}
			default:
				fmt.Fprintf(&b, "\t%s %s\n", o.name, sdnString(v))
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

// sdnRunning is sdn/.running-config: what the last apply committed.
type sdnRunning struct {
	Version     int     `json:"version,omitempty"`
	Zones       *sdnCfg `json:"zones,omitempty"`
	Vnets       *sdnCfg `json:"vnets,omitempty"`
	Subnets     *sdnCfg `json:"subnets,omitempty"`
	Controllers *sdnCfg `json:"controllers,omitempty"`
}

// readSDN reads one of the pending files.
func (s *Simulator) readSDN(path string) *sdnCfg {
	raw, _ := s.cfs.ReadFile(path)
	return parseSDNConfig(string(raw))
}

// writeSDN is cfs_write_file of one of the pending files.
func (s *Simulator) writeSDN(path string, cfg *sdnCfg) error {
	_ = s.cfs.MkdirAll("/sdn", 0o755)
	if err := s.cfs.WriteFile(path, []byte(cfg.String()), 0o640); err != nil {
		return err
	}
	s.persistSoon()
	return nil
}

// sdnRunningConfig is SDN.pm running_config: an empty config when the file
// is missing or not JSON (parse_running_cfg).
func (s *Simulator) sdnRunningConfig() *sdnRunning {
	raw, _ := s.cfs.ReadFile(sdnRunningPath)
	run := &sdnRunning{}
	if len(raw) == 0 || json.Unmarshal(raw, run) != nil {
		run = &sdnRunning{}
	}
	for _, c := range []**sdnCfg{&run.Zones, &run.Vnets, &run.Subnets, &run.Controllers} {
		if *c == nil {
			*c = &sdnCfg{}
		}
		if (*c).IDs == nil {
			(*c).IDs = map[string]sdnObj{}
		}
	}
	return run
}

// commitSDN is SDN.pm commit_config: the pending files become the running
// config, with its version one higher.
func (s *Simulator) commitSDN() error {
	run := s.sdnRunningConfig()
	next := &sdnRunning{Version: run.Version + 1, Zones: s.readSDN(sdnZonesPath), Vnets: s.readSDN(sdnVnetsPath),
		Subnets: s.readSDN(sdnSubnetsPath), Controllers: &sdnCfg{IDs: map[string]sdnObj{}}}
	raw, err := json.Marshal(next)
	if err != nil {
		return err
	}
	_ = s.cfs.MkdirAll("/sdn", 0o755)
	if err := s.cfs.WriteFile(sdnRunningPath, raw, 0o640); err != nil {
		return err
	}
	s.persistSoon()
	return nil
}

// lockSDN is SDN.pm lock_sdn_config: change runs under the cluster lock of
// the running config, and any error dies as "<errmsg>: <error>", a plain
// 500. A parameter exception raised inside (raise_param_exc) is
// stringified there too (PVE::Exception stringify: "400 Parameter
// verification failed." and a "<param>: <message>" line), so it reaches
// the client as a 500 with that text. The caller must not hold s.mu.
func (s *Simulator) lockSDN(errmsg string, change func() error) *apiError {
	err := s.cfsLock(s.nodes[0].Name, sdnLockID, 0, change)
	if err == nil {
		return nil
	}
	msg := err.Error()
	var aerr *apiError
	if errors.As(err, &aerr) {
		msg = aerr.Message
		if aerr.Status == 400 {
			msg = "400 " + msg
			for _, k := range sortedKeys(aerr.Errors) {
				msg += "\n" + k + ": " + aerr.Errors[k]
			}
		}
	}
	return fail("%s: %s", errmsg, strings.TrimSuffix(msg, "\n"))
}

// sdnParamExc is raise_param_exc: a 400 naming the parameter.
func sdnParamExc(param, msg string) *apiError { return paramFail(param, msg) }

// orNil turns a nil *apiError into a nil error (not a typed nil).
func (e *apiError) orNil() error {
	if e == nil {
		return nil
	}
	return e
}
