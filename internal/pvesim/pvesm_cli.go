package pvesim

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// pvesmProgram is pve-storage's src/PVE/CLI/pvesm.pm for what clients
// script: status, list, path, free, and add, set and remove of storage.cfg
// entries, through the storage API.
func (s *Simulator) pvesmProgram(n *node) shell.Program {
	return func(c *shell.Call) int {
		if len(c.Args) < 2 {
			return cliError(c, "ERROR: no command specified")
		}
		sub, args := c.Args[1], c.Args[2:]
		switch sub {
		case "status":
			return s.pvesmStatus(c, n, args)
		case "list":
			return s.pvesmList(c, n, args)
		case "path":
			return s.pvesmPath(c, n, args)
		case "free":
			return s.pvesmFree(c, n, args)
		case "add":
			return s.pvesmConfig(c, "POST", "/storage", []string{"type", "storage"}, args)
		case "set":
			return s.pvesmConfig(c, "PUT", "/storage/{storage}", []string{"storage"}, args)
		case "remove":
			return s.pvesmConfig(c, "DELETE", "/storage/{storage}", []string{"storage"}, args)
		}
		return cliError(c, "unknown command 'pvesm %s'", sub)
	}
}

// decodeInto turns an API answer into a typed value (the answers are maps).
func decodeInto(data any, out any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

type storageStatusRow struct {
	Storage string `json:"storage"`
	Type    string `json:"type"`
	Active  int    `json:"active"`
	Enabled int    `json:"enabled"`
	Total   int64  `json:"total"`
	Used    int64  `json:"used"`
	Avail   int64  `json:"avail"`
}

// pvesmStatus is `pvesm status`: Status.pm index printed by $print_status,
// sizes in KiB, "disabled" and "N/A" for a disabled storage.
func (s *Simulator) pvesmStatus(c *shell.Call, n *node, args []string) int {
	params, aerr := s.cliParams("/nodes/"+n.Name+"/storage", "GET", nil, args)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	data, aerr := s.cliCall("GET", "/nodes/"+n.Name+"/storage", params)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	var rows []storageStatusRow
	if err := decodeInto(data, &rows); err != nil {
		return cliError(c, "%v", err)
	}
	maxlen := 0
	for _, r := range rows {
		maxlen = max(maxlen, len(r.Storage))
	}
	maxlen++
	fmt.Fprintf(c.Stdout, "%-*s %10s %10s %15s %15s %15s %8s\n", maxlen, "Name", "Type", "Status", "Total", "Used", "Available", "%")
	sort.Slice(rows, func(i, j int) bool { return rows[i].Storage < rows[j].Storage })
	for _, r := range rows {
		active := "inactive"
		if r.Active != 0 {
			active = "active"
		}
		per := "N/A"
		if r.Enabled == 0 {
			active = "disabled"
			per = fmt.Sprintf("% 8s", per)
		} else {
			p := 0.0
			if r.Total > 0 {
				p = float64(r.Used) * 100 / float64(r.Total)
			}
			per = fmt.Sprintf("% 7.2f%%", p)
		}
		fmt.Fprintf(c.Stdout, "%-*s %10s %10s %15d %15d %15d %s\n", maxlen, r.Storage, r.Type, active, r.Total/1024, r.Used/1024, r.Avail/1024, per)
	}
	return 0
}

type contentRow struct {
	VolID   string `json:"volid"`
	Format  string `json:"format"`
	Content string `json:"content"`
	Size    int64  `json:"size"`
	VMID    int    `json:"vmid"`
}

// pvesmList is `pvesm list <storage>`: Content.pm index printed by
// $print_content: guest volumes first (with their VMID), then the others
// sorted by format.
func (s *Simulator) pvesmList(c *shell.Call, n *node, args []string) int {
	path := "/nodes/" + n.Name + "/storage/{storage}/content"
	params, aerr := s.cliParams(path, "GET", []string{"storage"}, args)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	data, aerr := s.cliCall("GET", "/nodes/"+n.Name+"/storage/"+params["storage"]+"/content", without(params, "storage"))
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	var rows []contentRow
	if err := decodeInto(data, &rows); err != nil {
		return cliError(c, "%v", err)
	}
	maxName, maxSize := 0, int64(0)
	for _, r := range rows {
		maxName = max(maxName, len(r.VolID))
		maxSize = max(maxSize, r.Size)
	}
	digits := len(fmt.Sprint(maxSize))
	base := func(r contentRow) string {
		return fmt.Sprintf("%-*s %-7s %-9s %*d", maxName, r.VolID, r.Format, r.Content, digits, r.Size)
	}
	fmt.Fprintf(c.Stdout, "%-*s %-7s %-9s %*s %s\n", maxName, "Volid", "Format", "Type", digits, "Size", "VMID")
	for _, r := range rows {
		if r.VMID != 0 {
			fmt.Fprintf(c.Stdout, "%s %d\n", base(r), r.VMID)
		}
	}
	others := []contentRow{}
	for _, r := range rows {
		if r.VMID == 0 {
			others = append(others, r)
		}
	}
	sort.SliceStable(others, func(i, j int) bool { return others[i].Format < others[j].Format })
	for _, r := range others {
		fmt.Fprintln(c.Stdout, base(r))
	}
	return 0
}

// pvesmPath is `pvesm path <volid>`: PVE::Storage::path, from storage.cfg.
func (s *Simulator) pvesmPath(c *shell.Call, n *node, args []string) int {
	if len(args) != 1 {
		return cliError(c, "400 not enough arguments\npvesm path <volume>")
	}
	p, err := s.pvesmVolumePath(n, args[0])
	if err != nil {
		return cliError(c, "%s", err.Error())
	}
	fmt.Fprintln(c.Stdout, p)
	return 0
}

// pvesmVolumePath is PVE::Storage::path (src/PVE/Storage.pm): the storage
// must be in storage.cfg (storage_config), whether or not this node can use
// it or the volume exists; the path is the plugin's, which
// storageVolumePath owns. A file-based storage's parse_volname (Plugin.pm)
// refuses a volume name outside its layout.
func (s *Simulator) pvesmVolumePath(n *node, volid string) (string, error) {
	storeID, volname, ok := strings.Cut(volid, ":")
	if !ok || storeID == "" || volname == "" {
		return "", fmt.Errorf("unable to parse volume ID '%s'", volid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sec := s.storageCfg().ids[storeID]
	if sec == nil {
		return "", fmt.Errorf("storage '%s' does not exist", storeID)
	}
	st := n.Storages[storeID]
	if st == nil {
		st = &storage{ID: storeID, Type: sec.Type, Section: sec}
	}
	kind, owner := volumeKind(volname)
	if p := s.storagePluginsOf()[sec.Type]; p != nil && p.fileBased && kind == "images" && !strings.Contains(volname, "/") {
		return "", fmt.Errorf("unable to parse directory volume name '%s'", volname)
	}
	return storageVolumePath(st, &volume{VolID: volid, Content: kind, VMID: owner}), nil
}

// pvesmFree is `pvesm free <volume>`: Content.pm delete.
func (s *Simulator) pvesmFree(c *shell.Call, n *node, args []string) int {
	if len(args) < 1 {
		return cliError(c, "400 not enough arguments\npvesm free <volume> [OPTIONS]")
	}
	storeID, _, _ := strings.Cut(args[0], ":")
	params, aerr := s.cliParams("/nodes/"+n.Name+"/storage/{storage}/content/{volume}", "DELETE", nil, args[1:])
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	if storeID == "" {
		storeID = params["storage"]
	}
	data, aerr := s.cliCall("DELETE", "/nodes/"+n.Name+"/storage/"+storeID+"/content/"+args[0], params)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	if upid, ok := data.(string); ok && strings.HasPrefix(upid, "UPID:") {
		if s.cliWaitTask(c, n.Name, upid) {
			return 255
		}
	}
	return 0
}

// pvesmConfig is pvesm add, set and remove: Storage/Config.pm create,
// update and delete, whose results pvesm does not print.
func (s *Simulator) pvesmConfig(c *shell.Call, method, tmpl string, positional, args []string) int {
	params, aerr := s.cliParams(tmpl, method, positional, args)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	path := strings.ReplaceAll(tmpl, "{storage}", params["storage"])
	if strings.Contains(tmpl, "{storage}") {
		params = without(params, "storage")
	}
	if _, aerr := s.cliCall(method, path, params); aerr != nil {
		return cliAPIError(c, aerr)
	}
	s.persistSoon()
	return 0
}
