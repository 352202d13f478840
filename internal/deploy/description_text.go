package deploy

import "strings"

// SameDescription tells whether a configured description is the one PVE
// keeps, as Observe reads it back. PVE keeps a description as comment lines
// at the top of the container's config: write_pct_config writes one "#" line
// per element of split(/\n/, $descr), and Perl's split drops trailing empty
// fields, so every trailing newline is lost; parse_pct_config appends "\n" to
// each line it reads, which Observe takes off again. A heredoc's final
// newline (or several) therefore never reaches PVE and is no drift.
func SameDescription(configured, observed string) bool {
	return strings.TrimRight(configured, "\n") == strings.TrimRight(observed, "\n")
}
