package deploy

import "testing"

// TestParseVMIDRange reads PROXIMITY_VMID_RANGE: MIN-MAX within PVE's
// pve-vmid bounds (100 to 999999999), the lower end first.
func TestParseVMIDRange(t *testing.T) {
	r, err := ParseVMIDRange(" 1000-1999 ")
	if err != nil || r != (VMIDRange{Min: 1000, Max: 1999}) {
		t.Fatalf("ParseVMIDRange = %v, %v", r, err)
	}
	for _, bad := range []string{"1000", "1999-1000", "99-200", "100-1000000000", "a-b", ""} {
		if _, err := ParseVMIDRange(bad); err == nil {
			t.Errorf("ParseVMIDRange(%q) accepted it", bad)
		}
	}
}
