package pvesim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
)

// SDN subnets, as pve-network src/PVE/API2/Network/SDN/Subnets.pm serves
// them, with SubnetPlugin.pm's checks and its IPAM hooks (Subnets.pm
// add_subnet, add_ip for the gateway, del_subnet).

// sdnDhcpRange is one parsed pve-sdn-dhcp-range.
type sdnDhcpRange struct{ start, end netip.Addr }

// sdnDhcpRangeList is dhcp-range as the API receives it, a list: a JSON
// array, or repeated form keys (NUL-joined by the HTTP layer).
func sdnDhcpRangeList(raw string) []any {
	var items []string
	if strings.HasPrefix(raw, "[") && json.Unmarshal([]byte(raw), &items) == nil {
		out := make([]any, len(items))
		for i, v := range items {
			out[i] = v
		}
		return out
	}
	out := []any{}
	for _, v := range strings.Split(raw, "\x00") {
		out = append(out, v)
	}
	return out
}

// subnetPrefix is the CIDR of a subnet ID (Subnets.pm sdn_subnets_config).
func subnetPrefix(id string) (netip.Prefix, bool) { return pveschema.SDNSubnetCIDR(id) }

// subnetAPIObject is Subnets.pm $api_sdn_subnets_config: the section with
// what sdn_subnets_config derives from its ID (id, cidr, zone, network,
// mask) and its dhcp-range parsed (get_dhcp_ranges).
func subnetAPIObject(cfg *sdnCfg, id string) sdnObj {
	obj := sdnAPIObject(cfg, id, "subnet")
	parts := strings.SplitN(id, "-", 3)
	if len(parts) == 3 {
		obj["id"], obj["zone"], obj["network"], obj["mask"] = id, parts[0], parts[1], parts[2]
		obj["cidr"] = parts[1] + "/" + parts[2]
	}
	ranges := []any{}
	if list, ok := obj["dhcp-range"].([]any); ok {
		for _, item := range list {
			r, _ := pveschema.ParsePropertyString(dhcpRangeFormat, sdnString(item))
			ranges = append(ranges, map[string]any{"start-address": r["start-address"], "end-address": r["end-address"]})
		}
	}
	obj["dhcp-range"] = ranges
	return obj
}

// dhcpRangeFormat is SubnetPlugin.pm's pve-sdn-dhcp-range.
var dhcpRangeFormat = map[string]*pveschema.Prop{"start-address": {Type: "string"}, "end-address": {Type: "string"}}

// listSubnets is Subnets.pm index: the vnet's subnets.
func (s *Simulator) listSubnets(r *request) (any, error) {
	vnet := r.params["vnet"]
	if aerr := s.checkVnetAccess(r, vnet, "SDN.Audit", "SDN.Allocate"); aerr != nil {
		return nil, aerr
	}
	cfg := s.sdnView(r, sdnSubnetsPath, runningSubnets)
	out := []any{}
	for _, id := range sortedKeys(cfg.IDs) {
		if obj := subnetAPIObject(cfg, id); obj["vnet"] == vnet {
			out = append(out, obj)
		}
	}
	return out, nil
}

// readSubnet is Subnets.pm read.
func (s *Simulator) readSubnet(r *request) (any, error) {
	vnet, id := r.params["vnet"], r.params["subnet"]
	if aerr := s.checkVnetAccess(r, vnet, "SDN.Audit", "SDN.Allocate"); aerr != nil {
		return nil, aerr
	}
	cfg := s.sdnView(r, sdnSubnetsPath, runningSubnets)
	if cfg.IDs[id] == nil {
		return nil, fail("sdn subnet '%s' does not exist", id)
	}
	obj := subnetAPIObject(cfg, id)
	if obj["vnet"] != vnet {
		return nil, sdnParamExc("vnet", "wrong vnet")
	}
	return obj, nil
}

// createSubnet is Subnets.pm create: the subnet's ID is its zone and CIDR,
// "<zone>-<address>-<mask>".
func (s *Simulator) createSubnet(r *request) (any, error) {
	vnet := r.params["vnet"]
	if aerr := checkDhcpRangeItems(r.params); aerr != nil {
		return nil, aerr
	}
	if aerr := s.checkVnetAccess(r, vnet, "SDN.Allocate"); aerr != nil {
		return nil, aerr
	}
	return nil, s.lockSDN("create sdn subnet object failed", func() error {
		cfg := s.readSDN(sdnSubnetsPath)
		zoneID := sdnString(s.readSDN(sdnVnetsPath).IDs[vnet]["zone"])
		id := zoneID + "-" + strings.Replace(r.params["subnet"], "/", "-", 1)
		sub, err := sdnCheckConfig("subnet", r.params, true, "subnet")
		if err != nil {
			return err
		}
		if cfg.IDs[id] != nil {
			return fmt.Errorf("sdn subnet object ID '%s' already defined", id)
		}
		cfg.IDs[id] = sub
		if err := s.subnetUpdateHook(zoneID, id, sub, nil); err != nil {
			return err
		}
		return s.writeSDN(sdnSubnetsPath, cfg)
	}).orNil()
}

// updateSubnet is Subnets.pm update.
func (s *Simulator) updateSubnet(r *request) (any, error) {
	vnet, id := r.params["vnet"], r.params["subnet"]
	if aerr := checkDhcpRangeItems(r.params); aerr != nil {
		return nil, aerr
	}
	if aerr := s.checkVnetAccess(r, vnet, "SDN.Allocate"); aerr != nil {
		return nil, aerr
	}
	return nil, s.lockSDN("update sdn subnet object failed", func() error {
		cfg := s.readSDN(sdnSubnetsPath)
		sub := cfg.IDs[id]
		if sub == nil {
			return fmt.Errorf("sdn subnet '%s' does not exist", id)
		}
		if d := r.params["digest"]; d != "" && d != cfg.digest {
			return errors.New("detected modified configuration - file changed by other user? Try again.")
		}
		old := sdnObj{}
		for k, v := range sub {
			old[k] = v
		}
		set, err := sdnCheckConfig("subnet", r.params, false, "subnet", "digest", "delete")
		if err != nil {
			return err
		}
		if err := sdnDeleteOptions(sub, set, splitList(r.params["delete"])); err != nil {
			return err
		}
		for k, v := range set {
			sub[k] = v
		}
		zoneID := sdnString(s.readSDN(sdnVnetsPath).IDs[vnet]["zone"])
		if err := s.subnetUpdateHook(zoneID, id, sub, old); err != nil {
			return err
		}
		return s.writeSDN(sdnSubnetsPath, cfg)
	}).orNil()
}

// deleteSubnet is Subnets.pm delete: the IPAM drops the subnet first, which
// it refuses while guests hold addresses in it.
func (s *Simulator) deleteSubnet(r *request) (any, error) {
	vnet, id := r.params["vnet"], r.params["subnet"]
	if aerr := s.checkVnetAccess(r, vnet, "SDN.Allocate"); aerr != nil {
		return nil, aerr
	}
	return nil, s.lockSDN("delete sdn subnet object failed", func() error {
		cfg := s.readSDN(sdnSubnetsPath)
		zoneID := sdnString(s.readSDN(sdnVnetsPath).IDs[vnet]["zone"])
		zone := s.readSDN(sdnZonesPath).IDs[zoneID]
		if zone != nil && zone["ipam"] != nil {
			// A subnet that is not there reaches the IPAM without a zone.
			ipamZone, cidr := "", ""
			if cfg.IDs[id] != nil {
				p, _ := subnetPrefix(id)
				ipamZone, cidr = subnetZone(id), p.String()
			}
			if err := s.ipamDelSubnet(ipamZone, cidr); err != nil {
				return err
			}
		}
		delete(cfg.IDs, id)
		return s.writeSDN(sdnSubnetsPath, cfg)
	}).orNil()
}
