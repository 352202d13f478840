package pvesim

import (
	"encoding/base64"
	"io/fs"
	"strconv"
	"strings"
)

func itoa(i int) string { return strconv.Itoa(i) }

func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		return def
	}
	return n
}

// propertyValue reads one key of a PVE property string ("local-lvm:vm-100-disk-0,size=8G").
func propertyValue(s, key string) string {
	for _, part := range strings.Split(s, ",") {
		if k, v, ok := strings.Cut(part, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// propertyDefault reads the leading value without a key (the volume of a rootfs).
func propertyDefault(s string) string {
	first, _, _ := strings.Cut(s, ",")
	if strings.Contains(first, "=") {
		return ""
	}
	return first
}

// setProperty replaces or appends key=value in a property string, keeping order.
func setProperty(s, key, value string) string {
	parts := strings.Split(s, ",")
	for i, part := range parts {
		if k, _, ok := strings.Cut(part, "="); ok && k == key {
			parts[i] = key + "=" + value
			return strings.Join(parts, ",")
		}
	}
	if s == "" {
		return key + "=" + value
	}
	return s + "," + key + "=" + value
}

// parseSize reads PVE disk sizes ("8G", "512M", "1T", bytes without unit).
func parseSize(s string) int64 {
	if s == "" {
		return 0
	}
	unit := int64(1)
	switch s[len(s)-1] {
	case 'K':
		unit = 1 << 10
	case 'M':
		unit = 1 << 20
	case 'G':
		unit = 1 << 30
	case 'T':
		unit = 1 << 40
	}
	if unit != 1 {
		s = s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return int64(f * float64(unit))
}

func base64URL(b []byte) string {
	return strings.TrimRight(base64.URLEncoding.EncodeToString(b), "=")
}

// removeProperty drops key=... from a property string.
//
//nolint:unparam // a property-string helper beside propertyValue; only hwaddr is dropped today
func removeProperty(s, key string) string {
	var kept []string
	for _, part := range strings.Split(s, ",") {
		if k, _, ok := strings.Cut(part, "="); ok && k == key {
			continue
		}
		kept = append(kept, part)
	}
	return strings.Join(kept, ",")
}

func fsMode(perm uint64) fs.FileMode { return fs.FileMode(perm).Perm() }
