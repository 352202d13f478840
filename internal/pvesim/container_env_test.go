package pvesim

import (
	"net/url"
	"testing"
)

// TestUnameIsTheReleaseKernel: a container shares its node's kernel, so
// uname inside it reports the kernel of the release's node, as a node's own
// /nodes/{node}/status "kversion" does (pve-manager PVE/API2/Nodes.pm
// get_current_kernel_info, from POSIX::uname). The 9.1 node runs 6.17, the
// 8.4 node 6.8.
func TestUnameIsTheReleaseKernel(t *testing.T) {
	for _, tc := range []struct{ release, kernel, version string }{
		{"8.4", "6.8.12-9-pve", "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)"},
		{"9.1", "6.17.4-1-pve", "#1 SMP PREEMPT_DYNAMIC PMX 6.17.4-1 (2025-12-03T15:42Z)"},
	} {
		sim := startSim(t, Options{PVEVersion: tc.release, Nodes: 1})
		createCT(t, sim, "pve1", 100, url.Values{"start": {"1"}, "hostname": {"web"}})
		if code, out := runInCT(t, sim, "pve1", "pct exec 100 -- uname -r"); code != 0 || out != tc.kernel+"\n" {
			t.Errorf("%s container uname -r: %d %q", tc.release, code, out)
		}
		want := "Linux web " + tc.kernel + " " + tc.version + " x86_64 GNU/Linux\n"
		if code, out := runInCT(t, sim, "pve1", "pct exec 100 -- uname -a"); code != 0 || out != want {
			t.Errorf("%s container uname -a: %d %q, want %q", tc.release, code, out, want)
		}
		if code, out := runInCT(t, sim, "pve1", "uname -sr"); code != 0 || out != "Linux "+tc.kernel+"\n" {
			t.Errorf("%s node uname -sr: %d %q", tc.release, code, out)
		}
	}
}
