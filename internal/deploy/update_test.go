package deploy

import "testing"

func TestWithAddressKeepsTheRestOfNet0(t *testing.T) {
	for _, c := range []struct{ net0, ip, gw, want string }{
		{"name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,ip=dhcp,type=veth", "10.0.0.5/24", "10.0.0.1",
			"name=eth0,bridge=vmbr0,hwaddr=BC:24:11:AA:BB:CC,type=veth,ip=10.0.0.5/24,gw=10.0.0.1"},
		{"name=eth0,bridge=vmbr1,gw=10.0.0.1,ip=10.0.0.5/24", "", "", "name=eth0,bridge=vmbr1,ip=dhcp"},
	} {
		if got := withAddress(c.net0, c.ip, c.gw); got != c.want {
			t.Errorf("withAddress(%q, %q, %q) = %q, want %q", c.net0, c.ip, c.gw, got, c.want)
		}
	}
}
