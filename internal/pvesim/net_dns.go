package pvesim

import (
	"strings"
)

// A container's DNS options. update_pct_config (pve-container
// src/PVE/LXC/Config.pm) stores nameserver and searchdomain through
// PVE::LXC verify_nameserver_list and verify_searchdomain_list, which split
// the list as PVE::Tools::split_list does and join it with single spaces.
// The pre-start hook (PVE::LXC::Setup::Base pre_start_hook -> set_dns)
// writes them into the container's /etc/resolv.conf at every start, each
// option that is unset taken from the host's resolv.conf (lookup_dns_conf).

// dnsList is split_list followed by join(' ', ...): a NUL-joined list
// splits on NUL only, else commas and semicolons count as spaces.
func dnsList(v string) string {
	if strings.Contains(v, "\x00") {
		return strings.Join(strings.Split(v, "\x00"), " ")
	}
	return strings.Join(strings.Fields(strings.NewReplacer(",", " ", ";", " ").Replace(v)), " ")
}

// normalizeDNSOption is the value update_pct_config stores for opt; other
// options are returned as given.
func normalizeDNSOption(opt, value string) string {
	if opt == "nameserver" || opt == "searchdomain" {
		return dnsList(value)
	}
	return value
}

// setDNS is set_dns with lookup_dns_conf: "search" with the search
// domains, then one "nameserver" line per server, written as PVE's section
// of /etc/resolv.conf (ct_modify_file with replace => 1). It runs with s.mu
// held, at start.
func (s *Simulator) setDNS(g *guest) {
	hostSearch, hostServers := "", []string{}
	if n := s.nodeByName(g.Node); n != nil {
		if data, err := n.FS.ReadFile("/etc/resolv.conf"); err == nil {
			hostSearch, hostServers = parseResolvConf(string(data))
		}
	}
	search, hasSearch := g.Config["searchdomain"]
	if !hasSearch {
		search = hostSearch
	}
	servers := strings.Fields(dnsList(g.Config["nameserver"]))
	if _, ok := g.Config["nameserver"]; !ok {
		servers = hostServers
	}
	var data strings.Builder
	if search != "" {
		data.WriteString("search " + strings.Join(strings.Fields(dnsList(search)), " ") + "\n")
	}
	for _, ns := range servers {
		data.WriteString("nameserver " + ns + "\n")
	}
	ctModifyFile(g, "/etc/resolv.conf", data.String())
}

// parseResolvConf is PVE::INotify read_etc_resolv_conf: the first search
// (or domain) line and at most three nameservers (dns1..dns3).
func parseResolvConf(text string) (search string, servers []string) {
	for _, line := range strings.Split(text, "\n") {
		fields := strings.Fields(line)
		switch {
		case len(fields) < 2:
		case (fields[0] == "search" || fields[0] == "domain") && search == "":
			search = strings.Join(fields[1:], " ")
		case fields[0] == "nameserver" && len(servers) < 3:
			servers = append(servers, fields[1])
		}
	}
	return search, servers
}

// ctModifyFile is Setup::Base ct_modify_file with replace => 1: the PVE
// section of the file is replaced; a file without one is replaced whole
// by the section; a missing file is created only when there is data.
func ctModifyFile(g *guest, path, data string) {
	old, err := g.RootFS.ReadFile(path)
	if err != nil {
		if data != "" {
			_ = g.RootFS.WriteFile(path, []byte(pveSectionHead+data+pveSectionTail), 0o644)
		}
		return
	}
	text := string(old)
	begin, end := strings.Index(text, pveSectionHead), strings.Index(text, pveSectionTail)
	switch {
	case begin >= 0 && end > begin:
		text = text[:begin] + pveSectionHead + data + pveSectionTail + text[end+len(pveSectionTail):]
	case data != "":
		text = pveSectionHead + data + pveSectionTail
	default:
		return
	}
	_ = g.RootFS.WriteFile(path, []byte(text), 0o644)
}
