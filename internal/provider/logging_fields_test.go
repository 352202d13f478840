package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// logField reads key=value or key="quoted value" from a log line.
func logField(line, key string) string {
	m := regexp.MustCompile(`(?:^|\s)` + regexp.QuoteMeta(key) + `=("(?:[^"\\]|\\.)*"|\S+)`).FindStringSubmatch(line)
	if m == nil {
		return ""
	}
	return strings.Trim(m[1], `"`)
}

// TestAccStepLogsNameTheApplication: two apps created in parallel, with
// TF_LOG_PROVIDER=info as the README tells users, and every step line of the
// log says which application it is about: its hostname and catalog id, and
// its VMID from the create of its container on. Before, the lines said only
// the step's name, and the two creates' lines could not be told apart.
func TestAccStepLogsNameTheApplication(t *testing.T) {
	e := newSimEnv(t, "")
	logPath := filepath.Join(t.TempDir(), "info.log")
	t.Setenv("TF_LOG", "INFO")
	t.Setenv("TF_LOG_PROVIDER", "INFO")
	t.Setenv("TF_ACC_LOG_PATH", logPath)
	apps := map[string]string{"log-alpha": "nginx", "log-beta": "it-tools"}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{Config: config(rawHCL(e.appProvider()),
			application("alpha", apps["log-alpha"], "log-alpha"), application("beta", apps["log-beta"], "log-beta"))}},
		CheckDestroy: destroyed(expectGuestCount(e, 0)),
	})
	raw, err := os.ReadFile(logPath)
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{}
	vmids := map[string]string{}
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.Contains(line, "deployment step finished") {
			continue
		}
		host, step := logField(line, "hostname"), logField(line, "step")
		if want, ok := apps[host]; !ok || logField(line, "catalog_id") != want {
			t.Errorf("a step line without its application's hostname and catalog id: %s", line)
			continue
		}
		lines[host]++
		vmid := logField(line, "vmid")
		if vmid == "" {
			if step != "look for an unfinished deployment" && step != "allocate ports" && step != "choose node" &&
				step != "ensure template" && step != "choose storage" {
				t.Errorf("step %q of %s came after its container was made and has no vmid: %s", step, host, line)
			}
			continue
		}
		if seen, ok := vmids[host]; ok && seen != vmid {
			t.Errorf("%s logged VMIDs %s and %s", host, seen, vmid)
		}
		vmids[host] = vmid
	}
	for host := range apps {
		if lines[host] < 8 || vmids[host] == "" {
			t.Errorf("%s: %d step lines, VMID %q; the log lacks the deployment, the test would prove nothing", host, lines[host], vmids[host])
		}
	}
	if vmids["log-alpha"] == vmids["log-beta"] {
		t.Errorf("both apps logged VMID %s", vmids["log-alpha"])
	}
}
