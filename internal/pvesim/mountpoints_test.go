package pvesim

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A bind mount's directory must exist on the node: mountpoint_mount
// (pve-container src/PVE/LXC.pm) dies "directory '...' does not exist" in
// the pre-start hook, which fails the start, and in mountpoint_hotplug for
// a new bind mount of a running container. Setting it on a stopped
// container checks nothing (update_pct_config only parses it).
func TestBindMountSourceMustExist(t *testing.T) {
	sim := startSim(t, Options{})
	createCT(t, sim, "pve1", 100, nil)
	onNode(t, sim, "pve1", "pct set 100 --mp0 /srv/media,mp=/media")
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil)
	upid := mustString(t, data(r))
	if status := waitTask(t, sim, upid); status != "startup for container '100' failed" {
		t.Fatalf("start with a missing bind source: %q", status)
	}
	if log := taskLogText(t, sim, "pve1", upid); !strings.Contains(log, "directory '/srv/media' does not exist") {
		t.Errorf("start log: %q", log)
	}
	onNode(t, sim, "pve1", "mkdir -p /srv/media")
	if status := runTask(t, sim, http.MethodPost, "/nodes/pve1/lxc/100/status/start", nil); status != "OK" {
		t.Fatalf("start: %s", status)
	}
	var out, errb bytes.Buffer
	code, err := sim.RunOnNode(context.Background(), "pve1", "pct set 100 --mp1 /srv/gone,mp=/gone", nil, &out, &errb)
	if err != nil || code == 0 || !strings.Contains(errb.String(), "unable to hotplug mp1: directory '/srv/gone' does not exist") {
		t.Errorf("hotplug of a missing directory: exit %d %v %q", code, err, errb.String())
	}
	onNode(t, sim, "pve1", "mkdir /srv/gone && pct set 100 --mp1 /srv/gone,mp=/gone")
	current := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/lxc/100/config", url.Values{"current": {"1"}})))
	if current["mp1"] != "/srv/gone,mp=/gone" {
		t.Errorf("hot-plugged mp1 = %v", current["mp1"])
	}
}
