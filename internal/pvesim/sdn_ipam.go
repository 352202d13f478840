package pvesim

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"sort"
)

// The PVE IPAM (pve-network src/PVE/Network/SDN/Ipams/PVEPlugin.pm): one
// JSON file, zones -> subnets (by CIDR) -> ips -> {mac, hostname, vmid} or
// {gateway: 1}. Since libpve-network-perl 0.9.9 (so in 8.4 and 9.1) it is
// /etc/pve/sdn/pve-ipam-state.json; 8.x only still reads the legacy
// priv/ipam.db when the new file is missing, which the simulator never has.
const (
	ipamDBPath = "/sdn/pve-ipam-state.json"
	ipamLockID = "file-sdn_pve-ipam-state_json"
)

type ipamDB struct {
	Zones map[string]*ipamZone `json:"zones"`
}

type ipamZone struct {
	Subnets map[string]*ipamSubnet `json:"subnets"`
}

type ipamSubnet struct {
	IPs map[string]map[string]any `json:"ips"`
}

// readIPAM is read_db: an empty DB for a missing file.
func (s *Simulator) readIPAM() *ipamDB {
	db := &ipamDB{}
	if raw, err := s.cfs.ReadFile(ipamDBPath); err == nil && len(raw) > 0 {
		_ = json.Unmarshal(raw, db)
	}
	if db.Zones == nil {
		db.Zones = map[string]*ipamZone{}
	}
	return db
}

// changeIPAM runs change on the DB under cfs_lock_file of it and writes it
// back (write_db) when change succeeds.
func (s *Simulator) changeIPAM(change func(db *ipamDB) error) error {
	return s.cfsLock(s.nodes[0].Name, ipamLockID, 0, func() error {
		db := s.readIPAM()
		if err := change(db); err != nil {
			return err
		}
		raw, err := json.Marshal(db)
		if err != nil {
			return err
		}
		_ = s.cfs.MkdirAll("/sdn", 0o755)
		if err := s.cfs.WriteFile(ipamDBPath, raw, 0o640); err != nil {
			return err
		}
		s.persistSoon()
		return nil
	})
}

// ipamSubnetOf finds a subnet of the DB with PVEPlugin.pm's messages.
func ipamSubnetOf(db *ipamDB, zone, cidr string) (*ipamSubnet, error) {
	z := db.Zones[zone]
	if z == nil {
		return nil, fmt.Errorf("zone '%s' doesn't exist in IPAM DB", zone)
	}
	sub := z.Subnets[cidr]
	if sub == nil {
		return nil, fmt.Errorf("subnet '%s' doesn't exist in IPAM DB", cidr)
	}
	if sub.IPs == nil {
		sub.IPs = map[string]map[string]any{}
	}
	return sub, nil
}

// ipamAddSubnet is add_subnet: an empty subnet, kept if it exists.
func (s *Simulator) ipamAddSubnet(zone, cidr string) error {
	return s.changeIPAM(func(db *ipamDB) error {
		if db.Zones[zone] == nil {
			db.Zones[zone] = &ipamZone{Subnets: map[string]*ipamSubnet{}}
		}
		if db.Zones[zone].Subnets == nil {
			db.Zones[zone].Subnets = map[string]*ipamSubnet{}
		}
		if db.Zones[zone].Subnets[cidr] == nil {
			db.Zones[zone].Subnets[cidr] = &ipamSubnet{IPs: map[string]map[string]any{}}
		}
		return nil
	})
}

// ipamDelSubnet is del_subnet: refused while an address other than the
// gateway is allocated (only_gateway_remains).
func (s *Simulator) ipamDelSubnet(zone, cidr string) error {
	return s.changeIPAM(func(db *ipamDB) error {
		sub, err := ipamSubnetOf(db, zone, cidr)
		if err != nil {
			return err
		}
		onlyGateway := false
		for _, e := range sub.IPs {
			onlyGateway = len(sub.IPs) == 1 && sdnString(e["gateway"]) == "1"
		}
		if len(sub.IPs) > 0 && !onlyGateway {
			return fmt.Errorf("cannot delete subnet '%s', not empty", cidr)
		}
		delete(db.Zones[zone].Subnets, cidr)
		return nil
	})
}

// ipamAddGateway is add_ip with is_gateway: the gateway may replace an
// entry that is a gateway already, nothing else.
func (s *Simulator) ipamAddGateway(zone, cidr, ip string) error {
	return s.changeIPAM(func(db *ipamDB) error {
		sub, err := ipamSubnetOf(db, zone, cidr)
		if err != nil {
			return err
		}
		if e, ok := sub.IPs[ip]; ok && e["gateway"] == nil {
			return fmt.Errorf("IP '%s' already exist", ip)
		}
		sub.IPs[ip] = map[string]any{"gateway": 1}
		return nil
	})
}

// ipamDelIP is del_ip.
func (s *Simulator) ipamDelIP(zone, cidr, ip string) error {
	return s.changeIPAM(func(db *ipamDB) error {
		sub, err := ipamSubnetOf(db, zone, cidr)
		if err != nil {
			return err
		}
		if _, ok := sub.IPs[ip]; !ok {
			return fmt.Errorf("IP '%s' does not exist in IPAM DB", ip)
		}
		delete(sub.IPs, ip)
		return nil
	})
}

// ipamAddRangeNextFree is add_range_next_freeip: the first address of the
// range with no entry gets data.
func (s *Simulator) ipamAddRangeNextFree(zone, cidr string, r sdnDhcpRange, data map[string]any) (string, error) {
	var got string
	err := s.changeIPAM(func(db *ipamDB) error {
		sub, err := ipamSubnetOf(db, zone, cidr)
		if err != nil {
			return err
		}
		for a := r.start; a.IsValid() && a.Compare(r.end) <= 0; a = a.Next() {
			if _, used := sub.IPs[a.String()]; !used {
				sub.IPs[a.String()] = data
				got = a.String()
				return nil
			}
		}
		return fmt.Errorf("No free IP left in Range %s:%s}", r.start, r.end)
	})
	return got, err
}

// ipamFindMAC is get_ips_from_mac for IPv4: the zone's address of a MAC.
func (s *Simulator) ipamFindMAC(zone, mac string) (ip, cidr string) {
	z := s.readIPAM().Zones[zone]
	if z == nil {
		return "", ""
	}
	for _, c := range sortedKeys(z.Subnets) {
		for _, a := range sortedKeys(z.Subnets[c].IPs) {
			if m, _ := z.Subnets[c].IPs[a]["mac"].(string); m != "" && m == mac {
				if p, err := netip.ParseAddr(a); err == nil && p.Is4() {
					return a, c
				}
			}
		}
	}
	return "", ""
}

// ipamStatus is Ipams.pm ipamindex for "pve": every entry of the zones
// with DHCP whose vnet the caller has SDN.Audit or SDN.Allocate on.
func (s *Simulator) ipamStatus(r *request) (any, error) {
	if r.params["ipam"] != "pve" {
		return nil, fail("Currently only PVE IPAM is supported! at /usr/share/perl5/PVE/API2/Network/SDN/Ipams.pm line %d.",
			s.perlLine(283, 319))
	}
	run := s.sdnRunningConfig()
	db := s.readIPAM()
	out := []any{}
	for _, zoneID := range sortedKeys(db.Zones) {
		zone := run.Zones.IDs[zoneID]
		if zone == nil || zone["ipam"] != "pve" || zone["dhcp"] == nil {
			continue
		}
		for _, cidr := range sortedKeys(db.Zones[zoneID].Subnets) {
			vnet := runningVnetOfCIDR(run, zoneID, cidr)
			if vnet == "" || !r.acc.hasAny(r.authid, "/sdn/zones/"+zoneID+"/"+vnet, "SDN.Audit", "SDN.Allocate") {
				continue
			}
			ips := db.Zones[zoneID].Subnets[cidr].IPs
			for _, ip := range sortedKeys(ips) {
				e := map[string]any{"zone": zoneID, "subnet": cidr, "ip": ip, "vnet": vnet}
				for k, v := range ips[ip] {
					e[k] = v
				}
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// runningVnetOfCIDR finds the running vnet of a zone with a subnet that
// holds the CIDR's address (get_subnet_from_vnet_ip).
func runningVnetOfCIDR(run *sdnRunning, zone, cidr string) string {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return ""
	}
	ids := sortedKeys(run.Subnets.IDs)
	sort.Strings(ids)
	for _, id := range ids {
		sp, ok := subnetPrefix(id)
		vnet := sdnString(run.Subnets.IDs[id]["vnet"])
		if ok && subnetZone(id) == zone && sp.Contains(p.Addr()) && run.Vnets.IDs[vnet] != nil {
			return vnet
		}
	}
	return ""
}
