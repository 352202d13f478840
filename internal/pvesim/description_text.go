package pvesim

import "strings"

// storedDescription is a container's description as PVE reads it back after
// writing it: write_pct_config (PVE::LXC::Config) writes one "#" line per
// element of split(/\n/, $descr), and Perl's split drops trailing empty
// fields, so every trailing newline is lost (and a description of newlines
// only writes no line at all); parse_pct_config appends "\n" to each "#"
// line it reads. "" means the container has no description.
func storedDescription(v string) string {
	v = strings.TrimRight(v, "\n")
	if v == "" {
		return ""
	}
	return v + "\n"
}
