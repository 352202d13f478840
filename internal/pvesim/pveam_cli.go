package pvesim

import (
	"fmt"
	"sort"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// pveamProgram is pve-manager's PVE/CLI/pveam.pm: update, available,
// download, list and remove, over the appliance index and storage API.
func (s *Simulator) pveamProgram(n *node) shell.Program {
	return func(c *shell.Call) int {
		if len(c.Args) < 2 {
			return cliError(c, "ERROR: no command specified")
		}
		sub, args := c.Args[1], c.Args[2:]
		switch sub {
		case "update":
			// The index is the simulator's own; APLInfo::update always succeeds.
			fmt.Fprintln(c.Stdout, "update successful")
			return 0
		case "available":
			return s.pveamAvailable(c, n, args)
		case "download":
			return s.pveamDownload(c, n, args)
		case "list":
			return s.pveamList(c, n, args)
		case "remove":
			return s.pveamRemove(c, n, args)
		}
		return cliError(c, "unknown command 'pveam %s'", sub)
	}
}

type aplinfoRow struct {
	Section  string `json:"section"`
	Template string `json:"template"`
}

// pveamAvailable prints "%-15s %s\n" section and template, sections and
// templates sorted, optionally one --section (system, mail, turnkeylinux).
func (s *Simulator) pveamAvailable(c *shell.Call, n *node, args []string) int {
	section := ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case (a == "--section" || a == "-section") && i+1 < len(args):
			section = args[i+1]
			i++
		case len(a) > 10 && a[:10] == "--section=":
			section = a[10:]
		default:
			return cliError(c, "400 too many arguments\npveam available  [OPTIONS]")
		}
	}
	if section != "" && section != "system" && section != "mail" && section != "turnkeylinux" {
		return cliError(c, "400 Parameter verification failed.\nsection: value '%s' does not have a value in the enumeration 'system, mail, turnkeylinux'",
			section)
	}
	data, aerr := s.cliCall("GET", "/nodes/"+n.Name+"/aplinfo", nil)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	var rows []aplinfoRow
	if err := decodeInto(data, &rows); err != nil {
		return cliError(c, "%v", err)
	}
	sort.Slice(rows, func(i, j int) bool {
		if rows[i].Section != rows[j].Section {
			return rows[i].Section < rows[j].Section
		}
		return rows[i].Template < rows[j].Template
	})
	for _, r := range rows {
		if section != "" && r.Section != section {
			continue
		}
		fmt.Fprintf(c.Stdout, "%-15s %s\n", r.Section, r.Template)
	}
	return 0
}

// pveamDownload is Nodes.pm apl_download with the worker in the foreground:
// its log on stdout. pveam has no $upid_exit for download, so a failed
// download prints its error and still exits 0; the checks before the worker
// (unknown template, storage) exit 255.
func (s *Simulator) pveamDownload(c *shell.Call, n *node, args []string) int {
	params, aerr := s.cliParams("/nodes/"+n.Name+"/aplinfo", "POST", []string{"storage", "template"}, args)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	data, aerr := s.cliCall("POST", "/nodes/"+n.Name+"/aplinfo", params)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	upid, _ := data.(string)
	s.cliWaitTask(c, n.Name, upid)
	return 0
}

// pveamList is `pveam list <storage>`: the storage's vztmpl volumes printed
// by $print_list ("%-60s %-6s\n" header, sizes in MB with two decimals).
func (s *Simulator) pveamList(c *shell.Call, n *node, args []string) int {
	if len(args) != 1 {
		return cliError(c, "400 not enough arguments\npveam list <storage>")
	}
	storeID := args[0]
	// pveam.pm index: storage_check_enabled, then the vztmpl content.
	s.mu.Lock()
	_, aerr := s.enabledStorage(n, storeID)
	templates := aerr == nil && s.storageCfg().ids[storeID].hasContent("vztmpl")
	s.mu.Unlock()
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	if !templates {
		return cliError(c, "Storage does not support templates!")
	}
	data, aerr := s.cliCall("GET", "/nodes/"+n.Name+"/storage/"+storeID+"/content", map[string]string{"content": "vztmpl"})
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	var rows []contentRow
	if err := decodeInto(data, &rows); err != nil {
		return cliError(c, "%v", err)
	}
	fmt.Fprintf(c.Stdout, "%-60s %-6s\n", "NAME", "SIZE")
	for _, r := range rows {
		fmt.Fprintf(c.Stdout, "%-60s %-4.2fMB\n", r.VolID, float64(r.Size)/(1024*1024))
	}
	return 0
}

// pveamRemove is `pveam remove <template_path>`: the template's file goes.
func (s *Simulator) pveamRemove(c *shell.Call, n *node, args []string) int {
	if len(args) != 1 {
		return cliError(c, "400 not enough arguments\npveam remove <template_path>")
	}
	storeID := args[0]
	if i := strings.IndexByte(storeID, ':'); i > 0 {
		storeID = storeID[:i]
	}
	if _, aerr := s.cliCall("DELETE", "/nodes/"+n.Name+"/storage/"+storeID+"/content/"+args[0], nil); aerr != nil {
		return cliAPIError(c, aerr)
	}
	return 0
}
