package pvesim

import (
	"errors"
	"fmt"
)

// SDN vnets, as pve-network src/PVE/API2/Network/SDN/Vnets.pm serves them,
// with VnetPlugin.pm's hooks and SimplePlugin.pm's vnet_update_hook.

// checkVnetAccess is Vnets.pm $check_vnet_access: the vnet must be in the
// pending config, and the caller needs one of privs on its zone's path.
func (s *Simulator) checkVnetAccess(r *request, vnet string, privs ...string) *apiError {
	v := s.readSDN(sdnVnetsPath).IDs[vnet]
	if v == nil {
		return fail("sdn vnet '%s' does not exist", vnet)
	}
	return r.acc.checkAny(r.authid, "/sdn/zones/"+sdnString(v["zone"])+"/"+vnet, privs...)
}

// listVnets is Vnets.pm index: the vnets with SDN.Audit or SDN.Allocate on
// /sdn/zones/<zone>/<vnet> (a new vnet's zone is under "pending").
func (s *Simulator) listVnets(r *request) (any, error) {
	cfg := s.sdnView(r, sdnVnetsPath, runningVnets)
	out := []any{}
	for _, id := range sortedKeys(cfg.IDs) {
		obj := sdnAPIObject(cfg, id, "vnet")
		zone := obj["zone"]
		if zone == nil {
			if p, ok := obj["pending"].(sdnObj); ok {
				zone = p["zone"]
			}
		}
		if r.acc.hasAny(r.authid, "/sdn/zones/"+sdnString(zone)+"/"+id, "SDN.Audit", "SDN.Allocate") {
			out = append(out, obj)
		}
	}
	return out, nil
}

// readVnet is Vnets.pm read.
func (s *Simulator) readVnet(r *request) (any, error) {
	id := r.params["vnet"]
	if aerr := s.checkVnetAccess(r, id, "SDN.Audit", "SDN.Allocate"); aerr != nil {
		return nil, aerr
	}
	cfg := s.sdnView(r, sdnVnetsPath, runningVnets)
	if cfg.IDs[id] == nil {
		return nil, fail("sdn vnet '%s' does not exist", id)
	}
	return sdnAPIObject(cfg, id, "vnet"), nil
}

// vnetSubnets is Vnets.pm get_subnets on the pending config: the IDs of
// the vnet's subnets.
func (s *Simulator) vnetSubnets(vnet string) []string {
	var out []string
	cfg := s.readSDN(sdnSubnetsPath)
	for _, id := range sortedKeys(cfg.IDs) {
		if cfg.IDs[id]["vnet"] == vnet {
			out = append(out, id)
		}
	}
	return out
}

// vnetHooks are the zone plugin's vnet_update_hook and VnetPlugin.pm
// on_update_hook, run before a vnet is written. A vnet whose zone is not in
// zones.cfg dies in Plugin->lookup(undef) (SectionConfig croaks).
func (s *Simulator) vnetHooks(vnets *sdnCfg, id string, croakLine int) error {
	v := vnets.IDs[id]
	zone := s.readSDN(sdnZonesPath).IDs[sdnString(v["zone"])]
	if zone == nil {
		return fmt.Errorf("cannot lookup undefined type! at /usr/share/perl5/PVE/API2/Network/SDN/Vnets.pm line %d.", croakLine)
	}
	if zone["type"] == "simple" && v["tag"] != nil {
		return sdnParamExc("tag", "vlan tag is not allowed on simple zone")
	}
	if sdnString(v["vlanaware"]) == "1" && len(s.vnetSubnets(id)) > 0 {
		return sdnParamExc("vlanaware", "vlanaware vnet is not compatible with subnets")
	}
	return nil
}

// createVnet is Vnets.pm create (SDN.Allocate on /sdn/zones/{zone}, checked
// by the schema).
func (s *Simulator) createVnet(r *request) (any, error) {
	id := r.params["vnet"]
	return nil, s.lockSDN("create sdn vnet object failed", func() error {
		cfg := s.readSDN(sdnVnetsPath)
		v, err := sdnCheckConfig("vnet", r.params, true, "vnet")
		if err != nil {
			return err
		}
		if cfg.IDs[id] != nil {
			return fmt.Errorf("sdn vnet object ID '%s' already defined", id)
		}
		cfg.IDs[id] = v
		if err := s.vnetHooks(cfg, id, s.perlLine(224, 326)); err != nil {
			return err
		}
		return s.writeSDN(sdnVnetsPath, cfg)
	}).orNil()
}

// updateVnet is Vnets.pm update: a vnet keeps a zone, and keeps its zone
// while it has subnets.
func (s *Simulator) updateVnet(r *request) (any, error) {
	id := r.params["vnet"]
	if aerr := s.checkVnetAccess(r, id, "SDN.Allocate"); aerr != nil {
		return nil, aerr
	}
	return nil, s.lockSDN("update sdn vnet object failed", func() error {
		cfg := s.readSDN(sdnVnetsPath)
		if d := r.params["digest"]; d != "" && d != cfg.digest {
			return errors.New("detected modified configuration - file changed by other user? Try again.")
		}
		set, err := sdnCheckConfig("vnet", r.params, false, "vnet", "digest", "delete")
		if err != nil {
			return err
		}
		v := cfg.IDs[id]
		oldZone := sdnString(v["zone"])
		if err := sdnDeleteOptions(v, set, splitList(r.params["delete"])); err != nil {
			return err
		}
		for k, val := range set {
			v[k] = val
		}
		if v["zone"] == nil {
			return sdnParamExc("zone", "cannot delete zone")
		}
		if len(s.vnetSubnets(id)) > 0 && oldZone != sdnString(v["zone"]) {
			return sdnParamExc("zone", "can't change zone if subnets exist")
		}
		if err := s.vnetHooks(cfg, id, s.perlLine(288, 402)); err != nil {
			return err
		}
		return s.writeSDN(sdnVnetsPath, cfg)
	}).orNil()
}

// deleteVnet is Vnets.pm delete: VnetPlugin.pm on_delete_hook refuses a
// vnet with subnets.
func (s *Simulator) deleteVnet(r *request) (any, error) {
	id := r.params["vnet"]
	if aerr := s.checkVnetAccess(r, id, "SDN.Allocate"); aerr != nil {
		return nil, aerr
	}
	return nil, s.lockSDN("delete sdn vnet object failed", func() error {
		cfg := s.readSDN(sdnVnetsPath)
		if cfg.IDs[id] == nil {
			return fmt.Errorf("sdn vnet '%s' does not exist", id)
		}
		if len(s.vnetSubnets(id)) > 0 {
			return sdnParamExc("vnet", "Can't delete vnet if subnets exists")
		}
		delete(cfg.IDs, id)
		return s.writeSDN(sdnVnetsPath, cfg)
	}).orNil()
}
