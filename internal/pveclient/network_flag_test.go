package pveclient

import (
	"encoding/json"
	"testing"
)

// An SDN vnet is listed with active as the string "1" (pve-network's
// PVE::Network::SDN::get_local_vnets: active => '1'), a bridge with the
// number 1: both must read as up.
func TestNetworkInterfaceActiveAsStringOrNumber(t *testing.T) {
	var list []NetworkInterface
	raw := `[{"iface":"pxvnet","type":"vnet","active":"1"},{"iface":"vmbr0","type":"bridge","active":1},{"iface":"vmbr9","type":"bridge"}]`
	if err := json.Unmarshal([]byte(raw), &list); err != nil {
		t.Fatal(err)
	}
	if list[0].Active != 1 || list[1].Active != 1 || list[2].Active != 0 {
		t.Fatalf("%+v", list)
	}
}
