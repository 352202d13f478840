package pvesim

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
)

// Property strings ("local-lvm:vm-100-disk-1,mp=/data,size=8G") are parsed
// and printed here, one way for the whole simulator: PVE's
// parse_property_string and print_property_string (pve-common
// src/PVE/JSONSchema.pm) over the format a config key has in the schema.

// confFormat is the property-string format of a container config key
// (rootfs, mp0, net3, unused1, dev0, features), or nil for a plain value.
func (s *Simulator) confFormat(key string) map[string]*pveschema.Prop {
	m, ok := s.schema["/nodes/{node}/lxc/{vmid}/config"]["PUT"]
	if !ok {
		return nil
	}
	p, ok := m.Parameters.Lookup(key)
	if !ok {
		return nil
	}
	return p.FormatDict
}

// parseProperties reads a property string as parse_property_string does:
// booleans become 0/1 (parse_boolean), the bare value goes to the default key.
func parseProperties(format map[string]*pveschema.Prop, data string) (map[string]string, error) {
	values, msg := pveschema.ParsePropertyString(format, data)
	if msg != "" {
		return nil, fmt.Errorf("%s", msg)
	}
	for k, v := range values {
		p := format[k]
		if p == nil {
			return nil, fmt.Errorf("invalid key in comma-separated list property: %s", k)
		}
		if p.Type == "boolean" {
			if b, ok := parseBoolean(v); ok {
				values[k] = b
			}
		}
	}
	return values, nil
}

// parseBoolean is JSONSchema's parse_boolean.
func parseBoolean(v string) (string, bool) {
	switch strings.ToLower(v) {
	case "1", "on", "yes", "true":
		return "1", true
	case "0", "off", "no", "false":
		return "0", true
	}
	return "", false
}

// printProperties is print_property_string: the default key first (bare),
// then the keys the format requires, then the rest, each group sorted by
// name; disk sizes (held in bytes) printed with format_size. Keys in skip
// are left out.
func printProperties(format map[string]*pveschema.Prop, values map[string]string, skip ...string) string {
	done := map[string]bool{}
	for _, k := range skip {
		done[k] = true
	}
	var parts []string
	add := func(k string, bare bool) {
		v, ok := values[k]
		if done[k] || !ok {
			return
		}
		done[k] = true
		if p := format[k]; p != nil && p.FormatName == "disk-size" {
			if n, err := strconv.ParseInt(v, 10, 64); err == nil {
				v = formatSizePVE(n)
			}
		}
		if bare {
			parts = append(parts, v)
		} else {
			parts = append(parts, k+"="+v)
		}
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for k, p := range format {
		if bool(p.DefaultKey) {
			add(k, true)
		}
	}
	for _, k := range keys {
		if p := format[k]; p != nil && !bool(p.Optional) {
			add(k, false)
		}
	}
	for _, k := range keys {
		add(k, false)
	}
	return strings.Join(parts, ",")
}

// formatSizePVE is JSONSchema's format_size: the largest unit that divides
// the size, bytes without a unit (and, as there, 0 prints as "0T").
func formatSizePVE(size int64) string {
	units := []string{"", "K", "M", "G", "T"}
	i := 0
	for i < len(units)-1 && size%1024 == 0 {
		size /= 1024
		i++
	}
	return strconv.FormatInt(size, 10) + units[i]
}

// parseSizePVE is JSONSchema's parse_size ("8G", "512M", "1.5T", "10GiB",
// bytes without a unit); ok is false for anything else.
func parseSizePVE(s string) (int64, bool) {
	num := strings.TrimRight(s, "KMGTiB")
	unit := s[len(num):]
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || num == "" || strings.HasPrefix(num, "+") || strings.HasPrefix(num, "-") {
		return 0, false
	}
	mult := map[string]float64{"": 1, "K": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "MiB": 1 << 20, "G": 1 << 30, "GiB": 1 << 30, "T": 1 << 40,
		"TiB": 1 << 40}
	m, ok := mult[unit]
	if !ok {
		return 0, false
	}
	return int64(f * m), true
}

// mountPoint is a parsed rootfs, mpN or unusedN value (Config.pm
// parse_volume): the size in bytes, booleans as 0/1.
type mountPoint struct {
	Key    string
	Values map[string]string
}

func (mp mountPoint) volume() string { return mp.Values["volume"] }

// kind is classify_mountpoint: volume, bind (a host path) or device (/dev/...).
func (mp mountPoint) kind() string {
	v := mp.volume()
	switch {
	case strings.HasPrefix(v, "/dev/"):
		return "device"
	case strings.HasPrefix(v, "/"):
		return "bind"
	}
	return "volume"
}

func (mp mountPoint) size() int64 {
	n, _ := strconv.ParseInt(mp.Values["size"], 10, 64)
	return n
}

// parseMountPoint is Config.pm's parse_volume for rootfs, mpN and unusedN.
func (s *Simulator) parseMountPoint(key, value string) (mountPoint, error) {
	format := s.confFormat(key)
	if format == nil {
		return mountPoint{}, fmt.Errorf("parse_volume - unknown type: %s", key)
	}
	values, err := parseProperties(format, value)
	if err != nil {
		return mountPoint{}, err
	}
	if sz, ok := values["size"]; ok {
		n, ok := parseSizePVE(sz)
		if !ok {
			return mountPoint{}, fmt.Errorf("invalid size: %s", sz)
		}
		values["size"] = strconv.FormatInt(n, 10)
	}
	return mountPoint{Key: key, Values: values}, nil
}

// print is print_ct_mountpoint (print_ct_unused for unusedN): volume first,
// mp next for mount points, the rest by name; rootfs never prints mp.
func (s *Simulator) printMountPoint(mp mountPoint) string {
	if strings.HasPrefix(mp.Key, "unused") {
		return mp.volume()
	}
	var skip []string
	if mp.Key == "rootfs" {
		skip = append(skip, "mp")
	}
	return printProperties(s.confFormat("mp0"), mp.Values, skip...)
}

// canonicalNet is parse_lxc_network followed by print_lxc_network: type=veth
// is set, a missing hwaddr is generated with the BC:24:11 prefix, and the
// keys come back in the format's order (name first).
func (s *Simulator) canonicalNet(value string) (string, error) {
	format := s.confFormat("net0")
	values, err := parseProperties(format, value)
	if err != nil {
		return "", err
	}
	values["type"] = "veth"
	if values["hwaddr"] == "" {
		values["hwaddr"] = randomMAC()
	}
	return printProperties(format, values), nil
}

// randomMAC is random_ether_addr with PVE's default mac_prefix.
func randomMAC() string {
	b := randomBytes(3)
	return fmt.Sprintf("BC:24:11:%02X:%02X:%02X", b[0], b[1], b[2])
}

// isMountKey says whether a config key holds a mount point (rootfs or mpN).
func isMountKey(key string) bool {
	if key == "rootfs" {
		return true
	}
	n, ok := strings.CutPrefix(key, "mp")
	_, err := strconv.Atoi(n)
	return ok && err == nil
}

// isIndexedKey says whether key is prefix followed by a number (net0, unused3).
func isIndexedKey(key, prefix string) bool {
	n, ok := strings.CutPrefix(key, prefix)
	_, err := strconv.Atoi(n)
	return ok && err == nil && n != ""
}
