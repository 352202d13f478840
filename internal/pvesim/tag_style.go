package pvesim

import (
	"sort"
	"strings"
	"unicode"
)

// uniqueTags is pve-guest-common GuestHelpers::get_unique_tags, which
// update_pct_config applies to every tags value written: split_list's
// separators (, ; and white space), lower-cased unless datacenter.cfg's
// tag-style sets case-sensitive, sorted (case-insensitively unless
// case-sensitive) unless its ordering is config, duplicates dropped, joined
// with ';'.
func (s *Simulator) uniqueTags(tags string) string {
	style := propertyMap(s.readDatacenterConfig().values["tag-style"])
	caseSensitive := style["case-sensitive"] == "1"
	list := strings.FieldsFunc(tags, func(r rune) bool { return r == ';' || r == ',' || r == 0 || unicode.IsSpace(r) })
	if style["ordering"] != "config" {
		sort.SliceStable(list, func(i, j int) bool {
			if caseSensitive {
				return list[i] < list[j]
			}
			return strings.ToLower(list[i]) < strings.ToLower(list[j])
		})
	}
	seen := map[string]bool{}
	var out []string
	for _, t := range list {
		if !caseSensitive {
			t = strings.ToLower(t)
		}
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return strings.Join(out, ";")
}
