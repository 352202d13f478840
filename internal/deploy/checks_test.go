package deploy

import (
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The plan and the apply refuse a node in the same words.
func TestCheckNode(t *testing.T) {
	nodes := []pveclient.Node{{Name: "pve1", Online: true}, {Name: "pve2"}}
	for _, tc := range []struct{ node, want string }{
		{"pve1", ""},
		{"pve2", "node pve2 is offline; choose another node or leave node out"},
		{"pve7", `node "pve7" is not in the cluster; nodes: pve1, pve2`},
	} {
		got := ""
		if err := checkNode(nodes, tc.node); err != nil {
			got = err.Error()
		}
		if got != tc.want {
			t.Errorf("checkNode(%s) = %q, want %q", tc.node, got, tc.want)
		}
	}
}

// The schema validator and the apply reject an environment name in the same words.
func TestCheckEnvironmentName(t *testing.T) {
	if problem := CheckEnvironmentName("DB_PASSWORD"); problem != "" {
		t.Errorf("DB_PASSWORD: %s", problem)
	}
	want := `environment key "1BAD" must be a variable name: letters, digits and underscores, not starting with a digit`
	if problem := CheckEnvironmentName("1BAD"); problem != want {
		t.Errorf("1BAD: %q, want %q", problem, want)
	}
	if err := CheckEnvironment(map[string]string{"1BAD": "x"}); err == nil || err.Error() != want {
		t.Errorf("CheckEnvironment: %v", err)
	}
}
