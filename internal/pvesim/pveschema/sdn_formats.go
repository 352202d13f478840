package pveschema

import (
	"fmt"
	"net/netip"
	"regexp"
	"strings"
)

// sdnIDRe is the shape of a zone and a vnet ID (pve-network
// src/PVE/Network/SDN/Zones/Plugin.pm parse_sdn_zone_id, VnetPlugin.pm
// parse_sdn_vnet_id): a letter, then letters and digits, two at least.
var sdnIDRe = regexp.MustCompile(`(?i)^[a-z][a-z0-9]*[a-z0-9]$`)

// checkSDNFormat verifies the formats of PVE's SDN API and of the plain IP
// addresses it takes; ok is false for a format it does not know.
func checkSDNFormat(format, value string) (msg string, ok bool) {
	switch format {
	case "pve-sdn-zone-id", "pve-sdn-vnet-id":
		what := strings.TrimSuffix(strings.TrimPrefix(format, "pve-sdn-"), "-id")
		if !sdnIDRe.MatchString(value) {
			return fmt.Sprintf("%s ID '%s' contains illegal characters", what, value), true
		}
		if len(value) > 8 {
			return fmt.Sprintf("%s ID '%s' can't be more length than 8 characters", what, value), true
		}
		return "", true
	case "pve-sdn-subnet-id":
		if _, ok := SDNSubnetCIDR(value); !ok {
			return "value does not look like a valid CIDR network", true
		}
		return "", true
	case "pve-sdn-dhcp-range":
		// SubnetPlugin.pm's property string; its keys are of type 'ip',
		// which the schema check does not verify (validate_dhcp_ranges does).
		return checkPropertyString("", dhcpRangeDict, value), true
	case "ip":
		// pve-common JSONSchema.pm pve_verify_ip.
		if a, err := netip.ParseAddr(value); err != nil || a.Zone() != "" {
			return "value does not look like a valid IP address", true
		}
		return "", true
	}
	return "", false
}

var dhcpRangeDict = map[string]*Prop{"start-address": {Type: "ip"}, "end-address": {Type: "ip"}}

// SDNSubnetCIDR is SubnetPlugin.pm parse_sdn_subnet_id: a subnet is named by
// its CIDR (at create) or by "<zone>-<address>-<mask>" (its section ID); the
// CIDR must pass pve_verify_cidrv4 or pve_verify_cidrv6 (a prefix longer
// than 7 bits).
func SDNSubnetCIDR(id string) (netip.Prefix, bool) {
	cidr := id
	if !strings.Contains(id, "/") {
		parts := strings.Split(id, "-")
		if len(parts) < 3 {
			return netip.Prefix{}, false
		}
		cidr = parts[1] + "/" + parts[2]
	}
	p, err := netip.ParsePrefix(cidr)
	if err != nil || p.Addr().Zone() != "" || !cidrPrefixOK(p) {
		return netip.Prefix{}, false
	}
	return p, true
}
