package pveschema

import (
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Params are request parameters as PVE sees them: every value a string.
// The HTTP layer turns JSON booleans into "1"/"0" before validation, which is
// why JSON bodies may say true while form bodies must say 1.
type Params map[string]string

// Validate checks params against the method's parameter schema and returns
// PVE's per-parameter error messages (empty when valid).
func (m *Method) Validate(params Params) map[string]string {
	errs := map[string]string{}
	checkObject("", &m.Parameters, params, errs)
	return errs
}

func checkObject(path string, schema *Prop, values Params, errs map[string]string) {
	allowExtra := schema.AdditionalProperties != nil && bool(*schema.AdditionalProperties)
	for name, value := range values {
		sub, ok := schema.Lookup(name)
		if !ok {
			if !allowExtra {
				errs[join(path, name)] = "property is not defined in schema and the schema does not allow additional properties"
			}
			continue
		}
		checkProp(join(path, name), sub, value, errs)
	}
	names := make([]string, 0, len(schema.Properties))
	for name := range schema.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sub := schema.Properties[name]
		if bool(sub.Optional) || strings.HasSuffix(name, "[n]") {
			continue
		}
		if _, ok := values[name]; !ok {
			errs[join(path, name)] = "property is missing and it is not optional"
		}
	}
	checkRequires(path, schema, values, errs)
}

// checkRequires applies the schema's `requires`: a parameter that is given
// names another that must be given with it (JSONSchema.pm check_object, after
// the per-property checks, so its message joins one already there).
func checkRequires(path string, schema *Prop, values Params, errs map[string]string) {
	names := make([]string, 0, len(values))
	for name := range values {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		sub, ok := schema.Lookup(name)
		if !ok || sub.Requires == "" {
			continue
		}
		if _, given := values[sub.Requires]; !given {
			addError(errs, join(path, sub.Requires), fmt.Sprintf("missing property required by '%s'", join(path, name)))
		}
	}
}

// addError is JSONSchema.pm add_error: a second message for the same
// parameter is appended after a literal backslash-n (the Perl joins with
// '\n' in single quotes, so no newline).
func addError(errs map[string]string, path, msg string) {
	if path == "" {
		path = "_root"
	}
	if prev := errs[path]; prev != "" {
		errs[path] = prev + `\n` + msg
		return
	}
	errs[path] = msg
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

var (
	integerRe = regexp.MustCompile(`^-?\d+$`)
	numberRe  = regexp.MustCompile(`^-?(\d+\.\d*|\d*\.\d+|\d+)([eE][+-]?\d+)?$`)
)

// checkProp mirrors JSONSchema::check_prop: the first failing check wins.
func checkProp(path string, p *Prop, value string, errs map[string]string) {
	switch p.Type {
	case "integer":
		if !integerRe.MatchString(value) {
			errs[path] = fmt.Sprintf("type check ('integer') failed - got '%s'", value)
			return
		}
	case "number":
		if !numberRe.MatchString(value) {
			errs[path] = fmt.Sprintf("type check ('number') failed - got '%s'", value)
			return
		}
	case "boolean":
		if value != "0" && value != "1" {
			errs[path] = fmt.Sprintf("type check ('boolean') failed - got '%s'", value)
			return
		}
	}
	if p.MaxLength != nil && len(value) > int(*p.MaxLength) {
		errs[path] = fmt.Sprintf("value may only be %d characters long", int(*p.MaxLength))
		return
	}
	if p.MinLength != nil && len(value) < int(*p.MinLength) {
		errs[path] = fmt.Sprintf("value must be at least %d characters long", int(*p.MinLength))
		return
	}
	if numberRe.MatchString(value) {
		n, _ := strconv.ParseFloat(value, 64)
		if p.Minimum != nil && n < float64(*p.Minimum) {
			errs[path] = "value must have a minimum value of " + formatNumber(float64(*p.Minimum))
			return
		}
		if p.Maximum != nil && n > float64(*p.Maximum) {
			errs[path] = "value must have a maximum value of " + formatNumber(float64(*p.Maximum))
			return
		}
	}
	if len(p.Enum) > 0 && !slices.Contains(p.Enum, value) {
		errs[path] = fmt.Sprintf("value '%s' does not have a value in the enumeration '%s'", value, strings.Join(p.Enum, ", "))
		return
	}
	if p.re != nil && (!p.re.MatchString(value) || (p.patternMaxLen > 0 && len(value) > p.patternMaxLen)) {
		errs[path] = "value does not match the regex pattern"
		return
	}
	if p.FormatDict != nil {
		if msg := checkPropertyString(path, p.FormatDict, value); msg != "" {
			errs[path] = "invalid format - " + msg
		}
		return
	}
	if p.FormatName != "" {
		if msg := CheckFormat(p.FormatName, value); msg != "" {
			errs[path] = "invalid format - " + msg
		}
	}
}

func formatNumber(f float64) string {
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// ParsePropertyString splits "key=value,..." as PVE's parse_property_string
// does, assigning a bare value to the format's default key.
func ParsePropertyString(format map[string]*Prop, data string) (map[string]string, string) {
	res := map[string]string{}
	defaultKeyUsed := ""
	for _, part := range strings.Split(data, ",") {
		if strings.TrimSpace(part) == "" {
			continue
		}
		k, v, hasEq := strings.Cut(part, "=")
		switch {
		case hasEq && k != "" && v != "":
			if sub, ok := format[k]; ok && sub.Alias != "" {
				k = sub.Alias
			}
			if _, dup := res[k]; dup {
				return nil, "duplicate key in comma-separated list property: " + k
			}
			if sub, ok := format[k]; ok && sub.Type == "boolean" {
				// parse_property_string reads booleans with parse_boolean
				// before it checks them: on/yes/true and off/no/false pass.
				switch strings.ToLower(v) {
				case "1", "on", "yes", "true":
					v = "1"
				case "0", "off", "no", "false":
					v = "0"
				}
			}
			res[k] = v
		case !hasEq:
			if defaultKeyUsed != "" {
				return nil, "duplicate key in comma-separated list property: " + defaultKeyUsed
			}
			for key, sub := range format {
				if bool(sub.DefaultKey) {
					defaultKeyUsed = key
				}
			}
			if defaultKeyUsed == "" {
				return nil, "value without key, but schema does not define a default key"
			}
			if _, dup := res[defaultKeyUsed]; dup {
				return nil, "duplicate key in comma-separated list property: " + defaultKeyUsed
			}
			res[defaultKeyUsed] = part
		default:
			return nil, "missing key in comma-separated list property"
		}
	}
	return res, ""
}

func checkPropertyString(path string, format map[string]*Prop, data string) string {
	values, msg := ParsePropertyString(format, data)
	if msg != "" {
		return msg
	}
	errs := map[string]string{}
	checkObject(path, &Prop{Properties: format}, values, errs)
	if len(errs) == 0 {
		return ""
	}
	keys := make([]string, 0, len(errs))
	for k := range errs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("format error\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s: %s\n", k, errs[k])
	}
	return strings.TrimSuffix(b.String(), "\n")
}

var (
	vmidRe      = regexp.MustCompile(`^[1-9][0-9]{2,8}$`)
	nodeRe      = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$`)
	configIDRe  = regexp.MustCompile(`(?i)^[a-z][a-z0-9_-]+$`)
	storageIDRe = regexp.MustCompile(`(?i)^[a-z][a-z0-9\-_.]*[a-z0-9]$`)
	volumeIDRe  = regexp.MustCompile(`(?i)^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$`)
	dnsLabelRe  = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?$`)
	macRe       = regexp.MustCompile(`^[a-fA-F0-9]{2}(:[a-fA-F0-9]{2}){5}$`)
	diskSizeRe  = regexp.MustCompile(`^\d+(\.\d+)?[KMGT]?$`)
	tagRe       = regexp.MustCompile(`(?i)^[a-z0-9_][a-z0-9_\-+.]*$`)
	realmRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z.\-_0-9]*[A-Za-z0-9]$`)
	listSplitRe = regexp.MustCompile(`[,;\s]+`)
)

var storageContents = []string{"images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import"}

// CheckFormat verifies a value against a registered PVE format name and
// returns the verifier's message, or "" when the value is valid. Formats the
// simulator does not know are accepted.
func CheckFormat(format, value string) string {
	// "-opt" formats verify a value only when one is given.
	if base, ok := strings.CutSuffix(format, "-opt"); ok {
		if value == "" {
			return ""
		}
		return CheckFormat(base, value)
	}
	if base, ok := strings.CutSuffix(format, "-list"); ok && format != "pve-tag-list" {
		parts := listSplitRe.Split(value, -1)
		if strings.Contains(value, "\x00") {
			// split_list: a NUL-joined list (a repeated form key) splits on NUL only.
			parts = strings.Split(value, "\x00")
		}
		for _, v := range parts {
			if v == "" {
				continue
			}
			if msg := CheckFormat(base, v); msg != "" {
				return msg
			}
		}
		return ""
	}
	switch format {
	case "pve-vmid":
		if !vmidRe.MatchString(value) {
			return "value does not look like a valid VM ID"
		}
	case "pve-node":
		if !nodeRe.MatchString(value) {
			return "value does not look like a valid node name"
		}
	case "pve-configid":
		if !configIDRe.MatchString(value) {
			return fmt.Sprintf("invalid configuration ID '%s'", value)
		}
	case "pve-storage-id":
		if !storageIDRe.MatchString(value) {
			return fmt.Sprintf("storage ID '%s' contains illegal characters", value)
		}
	case "pve-volume-id":
		if !volumeIDRe.MatchString(value) && !strings.HasPrefix(value, "/") {
			return fmt.Sprintf("unable to parse volume ID '%s'", value)
		}
	case "dns-name":
		for _, label := range strings.Split(value, ".") {
			if !dnsLabelRe.MatchString(label) {
				return "value does not look like a valid DNS name"
			}
		}
	case "ipv4":
		if a, err := netip.ParseAddr(value); err != nil || !a.Is4() {
			return "value does not look like a valid IPv4 address"
		}
	case "ipv6":
		if a, err := netip.ParseAddr(value); err != nil || !a.Is6() {
			return "value does not look like a valid IPv6 address"
		}
	case "mac-addr":
		first, _ := strconv.ParseUint(value[:min(2, len(value))], 16, 8)
		if !macRe.MatchString(value) || first&1 == 1 {
			return "value does not look like a valid unicast MAC address"
		}
	case "pve-ipv4-config":
		if value != "dhcp" && value != "manual" {
			if p, err := netip.ParsePrefix(value); err != nil || !p.Addr().Is4() || !cidrPrefixOK(p) {
				return "value does not look like a valid IPv4 network configuration"
			}
		}
	case "pve-ipv6-config":
		if value != "dhcp" && value != "manual" && value != "auto" {
			if p, err := netip.ParsePrefix(value); err != nil || !p.Addr().Is6() || !cidrPrefixOK(p) {
				return "value does not look like a valid IPv6 network configuration"
			}
		}
	case "lxc-ip-with-ll-iface":
		return checkIPWithLLIface(value) // net_formats.go
	case "disk-size":
		if !diskSizeRe.MatchString(value) {
			return "value does not look like a valid disk size"
		}
	case "pve-tag-list":
		for _, tag := range listSplitRe.Split(value, -1) {
			if tag != "" && !tagRe.MatchString(tag) {
				return fmt.Sprintf("invalid tag '%s'", tag)
			}
		}
	case "pve-storage-content":
		if !slices.Contains(storageContents, value) {
			return fmt.Sprintf("invalid content type '%s'", value)
		}
	case "pve-realm":
		if !realmRe.MatchString(value) {
			return "value does not look like a valid realm"
		}
	default:
		if msg, ok := checkLxcFormat(format, value); ok { // lxc_formats.go
			return msg
		}
		if msg, ok := checkSDNFormat(format, value); ok { // sdn_formats.go
			return msg
		}
		return checkAccessFormat(format, value)
	}
	return ""
}
