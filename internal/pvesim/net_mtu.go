package pvesim

import (
	"strconv"
)

// checkNetMTU is update_pct_config's check of a netN that sets mtu
// (pve-container src/PVE/LXC/Config.pm, for a create as for an update):
// the interface's MTU may not exceed its bridge's, which
// PVE::Network::read_bridge_mtu (pve-common) reads from
// /sys/class/net/<bridge>/mtu, dying "bridge '<name>' does not exist" when
// there is none. A bridge's MTU is its mtu option in the node's applied
// /etc/network/interfaces, else the kernel's 1500.
func (s *Simulator) checkNetMTU(n *node, opt, value string) *apiError {
	if !isIndexedKey(opt, "net") {
		return nil
	}
	mtu, err := strconv.Atoi(propertyValue(value, "mtu"))
	if err != nil || mtu == 0 {
		return nil
	}
	bridge := propertyValue(value, "bridge")
	bridgeMTU, ok := s.bridgeMTU(n, bridge)
	if !ok {
		return fail("bridge '%s' does not exist", bridge)
	}
	if mtu > bridgeMTU {
		return fail("%s: MTU size '%d' is bigger than bridge MTU '%d'", opt, mtu, bridgeMTU)
	}
	return nil
}

// checkNetMTUs runs checkNetMTU over a new container's options, in
// update_pct_config's order (sorted keys).
func (s *Simulator) checkNetMTUs(n *node, cfg map[string]string) *apiError {
	for _, opt := range sortedKeysOf(cfg) {
		if err := s.checkNetMTU(n, opt, cfg[opt]); err != nil {
			return err
		}
	}
	return nil
}

// bridgeMTU is the MTU of a bridge of the node, false when it has none.
func (s *Simulator) bridgeMTU(n *node, bridge string) (int, bool) {
	if n == nil || !s.nodeBridges(n)[bridge] {
		return 0, false
	}
	applied, _ := n.FS.ReadFile(interfacesPath)
	if d := parseInterfaces(string(applied)).Ifaces[bridge]; d != nil {
		if mtu, err := strconv.Atoi(d.Options["mtu"]); err == nil && mtu > 0 {
			return mtu, true
		}
	}
	return 1500, true
}
