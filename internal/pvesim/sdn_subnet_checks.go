package pvesim

import (
	"fmt"
	"net/netip"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
)

// subnetUpdateHook is SubnetPlugin.pm on_update_hook: the vnet must exist
// and not be VLAN-aware, the gateway must be in the subnet (but for an IPv4
// /32, point-to-point), the DHCP ranges valid; with an IPAM on the zone, the
// subnet is added there (a create) and the gateway registered, an old
// gateway dropped. old is nil for a create.
func (s *Simulator) subnetUpdateHook(zoneID, id string, sub, old sdnObj) error {
	p, _ := subnetPrefix(id)
	cidr := p.String()
	if vnetID := sdnString(sub["vnet"]); vnetID != "" {
		v := s.readSDN(sdnVnetsPath).IDs[vnetID]
		if v == nil {
			return sdnParamExc("vnet", vnetID+" don't exist")
		}
		if sdnString(v["vlanaware"]) == "1" {
			return sdnParamExc("vnet", "you can't add a subnet on a vlanaware vnet")
		}
	}
	gw := sdnString(sub["gateway"])
	gwAddr, gwErr := netip.ParseAddr(gw)
	pointToPoint := gwErr == nil && gwAddr.Is4() && p.Bits() == 32
	if gw != "" && (gwErr != nil || !p.Contains(gwAddr)) && !pointToPoint {
		return sdnParamExc("gateway", fmt.Sprintf("%s is not in subnet %s", gw, cidr))
	}
	if _, err := validateDhcpRanges(sub, p); err != nil {
		return err
	}
	zone := s.readSDN(sdnZonesPath).IDs[zoneID]
	if zone == nil || zone["ipam"] == nil {
		return nil
	}
	if old == nil {
		if err := s.ipamAddSubnet(zoneID, cidr); err != nil {
			return err
		}
	}
	if pointToPoint {
		return nil
	}
	oldGW := sdnString(old["gateway"])
	if gw == "" && oldGW != "" {
		_ = s.ipamDelIP(zoneID, cidr, oldGW) // warned, not fatal
	}
	if gw != "" && (oldGW == "" || gw != oldGW) {
		if err := s.ipamAddGateway(zoneID, cidr, gwAddr.String()); err != nil {
			return err
		}
	}
	if gw != "" && oldGW != "" && gw != oldGW {
		_ = s.ipamDelIP(zoneID, cidr, oldGW)
	}
	return nil
}

// checkDhcpRangeItems is JSONSchema.pm check_prop of the dhcp-range array:
// each item against pve-sdn-dhcp-range, errors under "dhcp-range[<i>]".
// It runs before the handler's own checks, as the schema's validation.
func checkDhcpRangeItems(params map[string]string) *apiError {
	raw, ok := params["dhcp-range"]
	if !ok {
		return nil
	}
	errs := map[string]string{}
	for i, item := range sdnDhcpRangeList(raw) {
		if msg := pveschema.CheckFormat("pve-sdn-dhcp-range", sdnString(item)); msg != "" {
			errs[fmt.Sprintf("dhcp-range[%d]", i)] = "invalid format - " + msg
		}
	}
	if len(errs) > 0 {
		return paramError(errs)
	}
	return nil
}

// dhcpRanges is Subnets.pm get_dhcp_ranges: the ranges that parse (a range
// that does not is warned about and left out).
func dhcpRanges(sub sdnObj) []sdnDhcpRange {
	var out []sdnDhcpRange
	list, _ := sub["dhcp-range"].([]any)
	for _, item := range list {
		r, errmsg := pveschema.ParsePropertyString(dhcpRangeFormat, sdnString(item))
		start, err1 := netip.ParseAddr(r["start-address"])
		end, err2 := netip.ParseAddr(r["end-address"])
		if errmsg != "" || err1 != nil || err2 != nil {
			continue
		}
		out = append(out, sdnDhcpRange{start: start, end: end})
	}
	return out
}

// validateDhcpRanges is SubnetPlugin.pm validate_dhcp_ranges (Net::IP
// refuses what is no address).
func validateDhcpRanges(sub sdnObj, p netip.Prefix) ([]sdnDhcpRange, error) {
	list, _ := sub["dhcp-range"].([]any)
	for _, item := range list {
		r, _ := pveschema.ParsePropertyString(dhcpRangeFormat, sdnString(item))
		for _, k := range []string{"start-address", "end-address"} {
			if _, err := netip.ParseAddr(r[k]); r[k] != "" && err != nil {
				return nil, sdnParamExc("dhcp-range", fmt.Sprintf("%s is not a valid IP %s", k, r[k]))
			}
		}
	}
	ranges := dhcpRanges(sub)
	for i, r := range ranges {
		if r.start.Compare(r.end) > 0 {
			return nil, sdnParamExc("dhcp-range", fmt.Sprintf("start-address %s must be smaller than end-address %s", r.start, r.end))
		}
		if !p.Contains(r.start) {
			return nil, sdnParamExc("dhcp-range", fmt.Sprintf("start-address %s is not in subnet %s", r.start, p))
		}
		if !p.Contains(r.end) {
			return nil, sdnParamExc("dhcp-range", fmt.Sprintf("end-address %s is not in subnet %s", r.end, p))
		}
		for _, o := range ranges[:i] {
			if r.start.Compare(o.end) <= 0 && o.start.Compare(r.end) <= 0 {
				return nil, sdnParamExc("dhcp-range", "dhcp ranges must not overlap")
			}
		}
	}
	return ranges, nil
}
