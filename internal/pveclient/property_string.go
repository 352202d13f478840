package pveclient

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Property strings are PVE's comma-separated option values
// ("name=eth0,bridge=vmbr0,ip=dhcp", "local-lvm:vm-101-disk-0,size=8G").
// They are read and written here only, as pve-common's JSONSchema.pm does:
// parse_property_string takes a bare first value as the format's default
// key; print_property_string writes the default key bare, then the keys the
// format requires, then the rest, each group sorted by name.

// propertyFormat names what print_property_string needs of a format: its
// default key ("" for none) and its required keys.
type propertyFormat struct {
	defaultKey string
	required   []string
}

// parseProperties splits a property string into its keys and values. A part
// without "=" is the default key's value; a format without one refuses it,
// as does a key given twice.
func parseProperties(f propertyFormat, s string) (map[string]string, error) {
	values := map[string]string{}
	if s == "" {
		return values, nil
	}
	for _, part := range strings.Split(s, ",") {
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			if f.defaultKey == "" {
				return nil, fmt.Errorf("value without key in %q", s)
			}
			k, v = f.defaultKey, part
		}
		if _, dup := values[k]; dup {
			return nil, fmt.Errorf("duplicate key %q in %q", k, s)
		}
		values[k] = v
	}
	return values, nil
}

// printProperties writes values in print_property_string's order.
func printProperties(f propertyFormat, values map[string]string) string {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	done := map[string]bool{}
	if v, ok := values[f.defaultKey]; ok && f.defaultKey != "" {
		parts = append(parts, v)
		done[f.defaultKey] = true
	}
	for _, k := range keys {
		if slices.Contains(f.required, k) && !done[k] {
			parts = append(parts, k+"="+values[k])
			done[k] = true
		}
	}
	for _, k := range keys {
		if !done[k] {
			parts = append(parts, k+"="+values[k])
		}
	}
	return strings.Join(parts, ",")
}

// parseBool is JSONSchema's parse_boolean: 1/on/yes/true and 0/off/no/false.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "on", "yes", "true":
		return true, nil
	case "0", "off", "no", "false":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", v)
}

// boolText is how PVE prints a boolean option: 1 or 0.
func boolText(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// takeBool moves an optional boolean out of values; absent stays nil.
func takeBool(values map[string]string, key string) (*bool, error) {
	v, ok := values[key]
	if !ok {
		return nil, nil
	}
	delete(values, key)
	b, err := parseBool(v)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	return &b, nil
}

// takeInt moves an optional integer out of values; absent stays nil.
func takeInt(values map[string]string, key string) (*int, error) {
	v, ok := values[key]
	if !ok {
		return nil, nil
	}
	delete(values, key)
	n, err := strconv.Atoi(v)
	if err != nil {
		return nil, fmt.Errorf("%s: not an integer: %q", key, v)
	}
	return &n, nil
}

// take moves a text value out of values.
func take(values map[string]string, key string) string {
	v := values[key]
	delete(values, key)
	return v
}

// putBool, putInt and put write an option when it is set.
func putBool(values map[string]string, key string, b *bool) {
	if b != nil {
		values[key] = boolText(*b)
	}
}

func putInt(values map[string]string, key string, n *int) {
	if n != nil {
		values[key] = strconv.Itoa(*n)
	}
}

func put(values map[string]string, key, v string) {
	if v != "" {
		values[key] = v
	}
}

// withExtra starts a value map from the keys a type does not model, so
// that they survive a read-modify-write.
func withExtra(extra map[string]string) map[string]string {
	values := make(map[string]string, len(extra)+8)
	for k, v := range extra {
		values[k] = v
	}
	return values
}

// leftover is what remains of values after the known keys were taken, or nil.
func leftover(values map[string]string) map[string]string {
	if len(values) == 0 {
		return nil
	}
	return values
}

// ParseSize reads a size as PVE's parse_size does: bytes without a unit, or
// a number (possibly with a fraction) with K, M, G or T (also KiB ... TiB).
func ParseSize(s string) (int64, error) {
	num := strings.TrimRight(s, "KMGTiB")
	mult := map[string]float64{"": 1, "K": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MiB": 1 << 20,
		"G": 1 << 30, "GiB": 1 << 30, "T": 1 << 40, "TiB": 1 << 40}[s[len(num):]]
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || mult == 0 || f < 0 || strings.HasPrefix(num, "+") {
		return 0, fmt.Errorf("invalid size: %q", s)
	}
	return int64(f * mult), nil
}

// FormatSize writes a size as PVE's format_size does: in the largest unit
// that divides it, bytes without a unit, and 0 as "0T".
func FormatSize(size int64) string {
	units := []string{"", "K", "M", "G", "T"}
	i := 0
	for i < len(units)-1 && size%1024 == 0 {
		size /= 1024
		i++
	}
	return strconv.FormatInt(size, 10) + units[i]
}

// Tags is a guest's tag list. PVE prints it joined by ';' and accepts
// ',', ';' and ' ' between tags on input.
type Tags []string

// ParseTags splits a tag list on any of PVE's separators.
func ParseTags(s string) Tags {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' || r == ' ' })
	if len(fields) == 0 {
		return nil
	}
	return Tags(fields)
}

// String joins the tags as PVE prints them.
func (t Tags) String() string { return strings.Join(t, ";") }
