package pvesim

import (
	"fmt"
)

// checkNetPlug is the part of update_net (pve-container src/PVE/LXC.pm)
// that can fail for a running container: a new interface, or one whose
// MAC address, name, bridge, VLAN tag, firewall or link_down changes, is
// plugged into its bridge again (hotplug_net, or net_tap_plug), and
// PVE::Network::tap_plug (pve-common) dies for a bridge the node does not
// have; vmconfig_hotplug_pending turns that into "unable to hotplug netN:
// ...", and update_vm writes nothing. A changed address alone plugs
// nothing, and an interface with link_down is not added to a bridge.
func (s *Simulator) checkNetPlug(n *node, cfg map[string]string, opt, value string) *apiError {
	if !isIndexedKey(opt, "net") || propertyValue(value, "link_down") == "1" {
		return nil
	}
	bridge := propertyValue(value, "bridge")
	if old, ok := cfg[opt]; ok {
		changed := false
		for _, key := range []string{"hwaddr", "name", "bridge", "tag", "firewall", "link_down"} {
			changed = changed || propertyValue(old, key) != propertyValue(value, key)
		}
		if !changed {
			return nil
		}
	}
	if bridge == "" || s.nodeBridges(n)[bridge] {
		return nil
	}
	return paramFail(opt, fmt.Sprintf("unable to hotplug %s: bridge '%s' is neither a linux nor an OVS bridge!", opt, bridge))
}
