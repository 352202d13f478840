package pveclient

import "strings"

// DNSOptions are a container's nameserver and searchdomain options:
// space-separated lists, as PVE stores them (pve-container's
// verify_nameserver_list and verify_searchdomain_list join with spaces).
// "" leaves an option out of a request; a removal is a config update's
// Delete.
type DNSOptions struct {
	Nameserver   string
	Searchdomain string
}

func (o DNSOptions) put(body map[string]any) {
	if o.Nameserver != "" {
		body["nameserver"] = o.Nameserver
	}
	if o.Searchdomain != "" {
		body["searchdomain"] = o.Searchdomain
	}
}

// DNSOf reads the DNS options of a config; both are kept in Extra.
func DNSOf(c *ContainerConfig) DNSOptions {
	return DNSOptions{Nameserver: c.Extra["nameserver"], Searchdomain: c.Extra["searchdomain"]}
}

// SplitList splits a list option as PVE::Tools::split_list does: on
// spaces, commas, semicolons and NULs, dropping empty items.
func SplitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ';' || r == 0 || r == ' ' || r == '\t' || r == '\n' || r == '\r'
	})
}
