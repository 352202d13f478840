// Command gen derives the simulator's schema subset from the official Proxmox VE
// API dump (api-viewer/apidata.js of pve-docs, without its JavaScript wrapper).
//
// It keeps only the paths the simulator serves and drops descriptions (the
// permission checks stay: the simulator enforces them), so the
// committed file stays small and the project builds without the full dump.
// A served path that a release does not have (one added in a later release)
// is left out of that release's subset, with a note on stderr:
//
//	go run ./internal/pvesim/pveschema/gen -in ../shared/pve-api/pve-api-schema-8.4.2.json \
//	    -out internal/pvesim/pveschema/pve-8.4.2-subset.json
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
)

// servedPaths are the API paths the simulator implements.
var servedPaths = []string{
	"/version",
	"/access/ticket",
	"/nodes",
	"/nodes/{node}/status",
	"/cluster/status",
	"/cluster/nextid",
	"/cluster/resources",
	"/pools",
	"/pools/{poolid}",
	"/cluster/tasks",
	"/nodes/{node}/lxc",
	"/nodes/{node}/lxc/{vmid}",
	"/nodes/{node}/lxc/{vmid}/config",
	"/nodes/{node}/lxc/{vmid}/status/current",
	"/nodes/{node}/lxc/{vmid}/status/start",
	"/nodes/{node}/lxc/{vmid}/status/stop",
	"/nodes/{node}/lxc/{vmid}/status/shutdown",
	"/nodes/{node}/lxc/{vmid}/status/reboot",
	"/nodes/{node}/lxc/{vmid}/interfaces",
	"/nodes/{node}/lxc/{vmid}/resize",
	"/nodes/{node}/tasks",
	"/nodes/{node}/tasks/{upid}",
	"/nodes/{node}/tasks/{upid}/status",
	"/nodes/{node}/tasks/{upid}/log",
	"/nodes/{node}/storage",
	"/nodes/{node}/storage/{storage}/status",
	"/nodes/{node}/storage/{storage}/content",
	"/nodes/{node}/storage/{storage}/content/{volume}",
	"/nodes/{node}/aplinfo",
	"/nodes/{node}/vzdump",
	"/nodes/{node}/vzdump/extractconfig",
	"/nodes/{node}/vzdump/defaults",
	"/access",
	"/access/users",
	"/access/users/{userid}",
	"/access/users/{userid}/token",
	"/access/users/{userid}/token/{tokenid}",
	"/access/groups",
	"/access/groups/{groupid}",
	"/access/roles",
	"/access/roles/{roleid}",
	"/access/acl",
	"/access/permissions",
	"/access/password",
	"/cluster/options",
	"/nodes/{node}/lxc/{vmid}/clone",
	"/nodes/{node}/lxc/{vmid}/template",
	"/nodes/{node}/lxc/{vmid}/migrate",
	"/nodes/{node}/lxc/{vmid}/move_volume",
	"/nodes/{node}/lxc/{vmid}/pending",
	"/nodes/{node}/network",
	"/nodes/{node}/network/{iface}",
	"/storage",
	"/storage/{storage}",
	"/nodes/{node}/storage/{storage}/download-url",
	"/nodes/{node}/query-url-metadata",
	"/nodes/{node}/lxc/{vmid}/status",
	"/nodes/{node}/storage/{storage}",
	"/cluster/config/nodes",
	// SDN (sdn_*.go): simple zones, their vnets and subnets, and the apply.
	"/cluster/sdn",
	"/cluster/sdn/zones",
	"/cluster/sdn/zones/{zone}",
	"/cluster/sdn/vnets",
	"/cluster/sdn/vnets/{vnet}",
	"/cluster/sdn/vnets/{vnet}/subnets",
	"/cluster/sdn/vnets/{vnet}/subnets/{subnet}",
	"/cluster/sdn/ipams/{ipam}/status",
	// PVE 9.1 and later only; the 8.4 subset goes without it.
	"/nodes/{node}/storage/{storage}/oci-registry-pull",
}

type apiNode struct {
	Path     string                    `json:"path"`
	Info     map[string]map[string]any `json:"info"`
	Children []apiNode                 `json:"children"`
}

// droppedKeys are documentation-only keys that validation never reads.
var droppedKeys = map[string]bool{
	"description": true, "verbose_description": true, "typetext": true,
	"format_description": true, "returns": true, "name": true,
}

func main() {
	in := flag.String("in", "", "full PVE API schema JSON")
	out := flag.String("out", "", "subset JSON to write")
	flag.Parse()
	if err := run(*in, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(in, out string) error {
	raw, err := os.ReadFile(in)
	if err != nil {
		return err
	}
	var roots []apiNode
	if err := json.Unmarshal(raw, &roots); err != nil {
		return fmt.Errorf("parsing %s: %w", in, err)
	}
	byPath := map[string]apiNode{}
	var walk func(n apiNode)
	walk = func(n apiNode) {
		byPath[n.Path] = n
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, r := range roots {
		walk(r)
	}
	subset := map[string]map[string]any{}
	for _, p := range servedPaths {
		n, ok := byPath[p]
		if !ok {
			// A path of a later release: this release's subset goes without
			// it, and the simulator serves it only where the schema has it.
			fmt.Fprintf(os.Stderr, "gen: note: %s is not in %s, left out\n", p, in)
			continue
		}
		methods := map[string]any{}
		for m, info := range n.Info {
			methods[m] = strip(info)
		}
		subset[p] = methods
	}
	keys := make([]string, 0, len(subset))
	for k := range subset {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	data, err := json.MarshalIndent(subset, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(out, append(data, '\n'), 0o644)
}

// strip removes documentation keys recursively.
func strip(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := map[string]any{}
		for k, val := range t {
			if droppedKeys[k] {
				continue
			}
			if params, ok := val.(map[string]any); ok && (k == "properties" || k == "format") {
				// Keys of these maps are parameter names, not schema keywords.
				props := map[string]any{}
				for name, sub := range params {
					props[name] = strip(sub)
				}
				m[k] = props
				continue
			}
			m[k] = strip(val)
		}
		return m
	case []any:
		out := make([]any, len(t))
		for i, val := range t {
			out[i] = strip(val)
		}
		return out
	default:
		return v
	}
}
