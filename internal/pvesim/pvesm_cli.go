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
			return s.pvesmPath(c, args)
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
func (s *Simulator) pvesmPath(c *shell.Call, args []string) int {
	if len(args) != 1 {
		return cliError(c, "400 not enough arguments\npvesm path <volume>")
	}
	p, err := s.volumePath(args[0])
	if err != nil {
		return cliError(c, "%s", err.Error())
	}
	fmt.Fprintln(c.Stdout, p)
	return 0
}

// volumePath follows the plugins' path methods: DirPlugin (and NFS/CIFS
// under /mnt/pve/<id>) by content subdirectory, LvmThinPlugin /dev/<vg>/<lv>,
// ZFSPoolPlugin /<pool>/<subvol> or /dev/zvol/<pool>/<zvol>.
func (s *Simulator) volumePath(volid string) (string, error) {
	storeID, volname, ok := strings.Cut(volid, ":")
	if !ok || storeID == "" || volname == "" {
		return "", fmt.Errorf("unable to parse volume ID '%s'", volid)
	}
	section := storageSection(s, storeID)
	if section == nil {
		return "", fmt.Errorf("storage '%s' does not exist", storeID)
	}
	switch section.typ {
	case "lvmthin", "lvm":
		return "/dev/" + section.props["vgname"] + "/" + volname, nil
	case "zfspool":
		if strings.HasPrefix(volname, "subvol-") || strings.HasPrefix(volname, "basevol-") {
			return "/" + section.props["pool"] + "/" + volname, nil
		}
		return "/dev/zvol/" + section.props["pool"] + "/" + volname, nil
	case "pbs":
		return "", fmt.Errorf("storage '%s' does not support a file system path", storeID)
	}
	root := section.props["path"]
	if section.typ == "nfs" || section.typ == "cifs" {
		root = "/mnt/pve/" + storeID
	}
	kind, name, ok := strings.Cut(volname, "/")
	if !ok {
		return "", fmt.Errorf("unable to parse directory volume name '%s'", volname)
	}
	switch kind {
	case "vztmpl":
		return root + "/template/cache/" + name, nil
	case "iso":
		return root + "/template/iso/" + name, nil
	case "backup":
		return root + "/dump/" + name, nil
	case "snippets":
		return root + "/snippets/" + name, nil
	case "import":
		return root + "/import/" + name, nil
	}
	return root + "/images/" + volname, nil
}

type storageCfgSection struct {
	typ   string
	props map[string]string
}

// storageSection reads one storage's section of /etc/pve/storage.cfg: the
// "type: id" line and the indented "key value" lines under it.
func storageSection(s *Simulator, id string) *storageCfgSection {
	raw, _ := s.cfs.ReadFile("/storage.cfg")
	var cur *storageCfgSection
	for _, line := range strings.Split(string(raw), "\n") {
		switch {
		case line == "":
		case line[0] != ' ' && line[0] != '\t':
			if cur != nil {
				return cur
			}
			if typ, name, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == id {
				cur = &storageCfgSection{typ: strings.TrimSpace(typ), props: map[string]string{}}
			}
		case cur != nil:
			k, v, _ := strings.Cut(strings.TrimSpace(line), " ")
			cur.props[k] = strings.TrimSpace(v)
		}
	}
	return cur
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
