package pvesim

import (
	"errors"
	"fmt"
	"strings"
)

// SDN zones, as pve-network src/PVE/API2/Network/SDN/Zones.pm serves them
// (the same code in 8.x and 9.x but for 9.x's lock-token, which the
// simulator accepts and ignores: it serves no /cluster/sdn/lock, so no
// global lock is ever held).

// listZones is Zones.pm index: the zones the caller has SDN.Audit or
// SDN.Allocate on, optionally of one type.
func (s *Simulator) listZones(r *request) (any, error) {
	cfg := s.sdnView(r, sdnZonesPath, runningZones)
	out := []any{}
	for _, id := range sortedKeys(cfg.IDs) {
		if !r.acc.hasAny(r.authid, "/sdn/zones/"+id, "SDN.Audit", "SDN.Allocate") {
			continue
		}
		obj := sdnAPIObject(cfg, id, "zone")
		if t := r.params["type"]; t != "" && t != obj["type"] {
			continue
		}
		out = append(out, obj)
	}
	return out, nil
}

// readZone is Zones.pm read (SDN.Allocate on the zone, checked by the schema).
func (s *Simulator) readZone(r *request) (any, error) {
	cfg := s.sdnView(r, sdnZonesPath, runningZones)
	id := r.params["zone"]
	if cfg.IDs[id] == nil {
		return nil, fail("sdn '%s' does not exist", id)
	}
	return sdnAPIObject(cfg, id, "zone"), nil
}

// sdnCheckConfig is SectionConfig check_config with skipSchemaCheck (the
// router validated the parameters): every given option must be one of the
// type's, and a create must give the required ones. exclude are the
// parameters the handler extracted before.
func sdnCheckConfig(typ string, params map[string]string, create bool, exclude ...string) (sdnObj, error) {
	allowed := map[string]sdnOption{}
	for _, o := range sdnTypeOptions[typ] {
		allowed[o.name] = o
	}
	skip := map[string]bool{"lock-token": true, "pending": true, "running": true}
	for _, k := range exclude {
		skip[k] = true
	}
	out := sdnObj{"type": typ}
	for _, k := range sortedKeys(params) {
		if skip[k] || (k == "type" && params[k] == typ) {
			continue
		}
		if _, ok := allowed[k]; !ok {
			return nil, fmt.Errorf("unexpected property '%s'", k)
		}
		if k == "dhcp-range" {
			out[k] = sdnDhcpRangeList(params[k])
			continue
		}
		out[k] = decodeSDNValue(k, params[k])
	}
	if create {
		for _, o := range sdnTypeOptions[typ] {
			if _, ok := params[o.name]; o.required && !ok {
				return nil, fmt.Errorf("missing value for required option '%s'", o.name)
			}
		}
	}
	return out, nil
}

// sdnDeleteOptions is SectionConfig delete_from_config.
func sdnDeleteOptions(obj, set sdnObj, deletes []string) error {
	typ, _ := obj["type"].(string)
	known := map[string]sdnOption{}
	for _, o := range sdnTypeOptions[typ] {
		known[o.name] = o
	}
	for _, k := range deletes {
		o, ok := known[k]
		switch {
		case !ok:
			return fmt.Errorf("no such option '%s'", k)
		case o.required:
			return fmt.Errorf("unable to delete required option '%s'", k)
		case set[k] != nil:
			return fmt.Errorf("cannot set and delete property '%s' at the same time!", k)
		}
		delete(obj, k)
	}
	return nil
}

// checkZoneRefs is the checks create and update share: no DNS servers are
// configured in the simulator (it serves no /cluster/sdn/dns), and the only
// IPAM is the built-in "pve" (Ipams.pm config adds it to ipams.cfg's).
func checkZoneRefs(z sdnObj) error {
	if dns, _ := z["dns"].(string); dns != "" {
		return sdnParamExc("dns", dns+" don't exist")
	}
	if dns, _ := z["reversedns"].(string); dns != "" {
		return sdnParamExc("reversedns", dns+" don't exist")
	}
	if z["dnszone"] != nil {
		return sdnParamExc("dnszone", "missing dns server")
	}
	if ipam, _ := z["ipam"].(string); ipam != "" && ipam != "pve" {
		return sdnParamExc("ipam", ipam+" not existing")
	}
	if c, _ := z["controller"].(string); c != "" && (z["type"] == "evpn") {
		// EvpnPlugin.pm on_update_hook; controllers.cfg is always empty here.
		return fmt.Errorf("controller %s don't exist", c)
	}
	return nil
}

// createZone is Zones.pm create.
func (s *Simulator) createZone(r *request) (any, error) {
	id, typ := r.params["zone"], r.params["type"]
	z, err := sdnCheckConfig(typ, r.params, true, "zone")
	if err != nil {
		return nil, fail("%s", err.Error())
	}
	return nil, s.lockSDN("create sdn zone object failed", func() error {
		cfg := s.readSDN(sdnZonesPath)
		if cfg.IDs[id] != nil {
			return fmt.Errorf("sdn zone object ID '%s' already defined", id)
		}
		if err := checkZoneRefs(z); err != nil {
			return err
		}
		cfg.IDs[id] = z
		return s.writeSDN(sdnZonesPath, cfg)
	}).orNil()
}

// updateZone is Zones.pm update.
func (s *Simulator) updateZone(r *request) (any, error) {
	id := r.params["zone"]
	return nil, s.lockSDN("update sdn zone object failed", func() error {
		cfg := s.readSDN(sdnZonesPath)
		if d := r.params["digest"]; d != "" && d != cfg.digest {
			return errors.New("detected modified configuration - file changed by other user? Try again.")
		}
		z := cfg.IDs[id]
		if z == nil {
			return fmt.Errorf("sdn '%s' does not exist", id)
		}
		typ, _ := z["type"].(string)
		set, err := sdnCheckConfig(typ, r.params, false, "zone", "digest", "delete")
		if err != nil {
			return err
		}
		oldIPAM := sdnString(z["ipam"])
		if err := sdnDeleteOptions(z, set, splitList(r.params["delete"])); err != nil {
			return err
		}
		for k, v := range set {
			z[k] = v
		}
		if sdnString(z["ipam"]) != oldIPAM {
			for subID := range s.readSDN(sdnSubnetsPath).IDs {
				if subnetZone(subID) == id {
					return sdnParamExc("ipam", "can't change ipam if a subnet is already defined in this zone")
				}
			}
		}
		if err := checkZoneRefs(set); err != nil {
			return err
		}
		return s.writeSDN(sdnZonesPath, cfg)
	}).orNil()
}

// deleteZone is Zones.pm delete: Plugin.pm on_delete_hook refuses a zone a
// vnet still names (a die without a newline, so Perl adds where it died).
func (s *Simulator) deleteZone(r *request) (any, error) {
	id := r.params["zone"]
	return nil, s.lockSDN("delete sdn zone object failed", func() error {
		cfg := s.readSDN(sdnZonesPath)
		if cfg.IDs[id] == nil {
			return fmt.Errorf("sdn '%s' does not exist", id)
		}
		vnets := s.readSDN(sdnVnetsPath)
		for _, v := range sortedKeys(vnets.IDs) {
			if vnets.IDs[v]["zone"] == id {
				return fmt.Errorf("zone %s is used by vnet %s at /usr/share/perl5/PVE/Network/SDN/Zones/Plugin.pm line %d.",
					id, v, s.perlLine(138, 159))
			}
		}
		delete(cfg.IDs, id)
		return s.writeSDN(sdnZonesPath, cfg)
	}).orNil()
}

// perlLine picks the line a Perl die reports in the release's
// libpve-network-perl (0.11 for 8.4, 1.2 for 9.1).
func (s *Simulator) perlLine(pve8, pve9 int) int {
	if strings.HasPrefix(s.release, "9") {
		return pve9
	}
	return pve8
}

// subnetZone is the zone part of a subnet's ID, which Subnets.pm
// sdn_subnets_config derives; the section itself does not store it.
func subnetZone(id string) string {
	z, _, _ := strings.Cut(id, "-")
	return z
}
