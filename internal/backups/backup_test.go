package backups

import (
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// A storage takes backups only when it is enabled, active on the node and
// has backup among its content types, as PVE lists them.
func TestTakes(t *testing.T) {
	for _, tc := range []struct {
		name string
		st   pveclient.Storage
		want bool
	}{
		{"backup storage", pveclient.Storage{Content: "iso,backup,vztmpl", Active: 1, Enabled: 1}, true},
		{"no backup content", pveclient.Storage{Content: "rootdir,images", Active: 1, Enabled: 1}, false},
		{"disabled", pveclient.Storage{Content: "backup", Active: 0, Enabled: 0}, false},
		{"another node's", pveclient.Storage{Content: "backup", Active: 0, Enabled: 1}, false},
		{"content prefix only", pveclient.Storage{Content: "backups", Active: 1, Enabled: 1}, false},
	} {
		if got := Takes(tc.st); got != tc.want {
			t.Errorf("%s: Takes = %v, want %v", tc.name, got, tc.want)
		}
	}
}
