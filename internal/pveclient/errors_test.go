package pveclient

import (
	"fmt"
	"testing"
)

// TestAPIErrorKind classifies PVE's answers as the Perl words them (the
// simulator answers the same): pve-container src/PVE/LXC/Config.pm
// (load_config, check_lock, create_and_lock_config), src/PVE/API2/LXC.pm
// (create_vm, restore), pve-common src/PVE/Tools.pm lock_file, pve-storage
// src/PVE/Storage.pm storage_check_node, pve-access-control
// src/PVE/RPCEnvironment.pm check_* and pve-http-server's 401s and proxy
// 595/596.
func TestAPIErrorKind(t *testing.T) {
	for _, c := range []struct {
		status int
		msg    string
		errors map[string]string
		want   Kind
	}{
		{500, "Configuration file 'nodes/pve1/lxc/101.conf' does not exist", nil, KindNotFound},
		{500, "volume 'local:backup/vzdump-lxc-101-2026_01_01-00_00_00.tar.zst' does not exist", nil, KindNotFound},
		{500, "storage 'nope' does not exist", nil, KindNotFound},
		{404, "Not Found", nil, KindNotFound},
		{500, "CT 101 already exists on node 'pve1'", nil, KindAlreadyExists},
		{400, "Parameter verification failed.", map[string]string{"vmid": "VM 100 already exists"}, KindAlreadyExists},
		{500, "can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout", nil, KindLocked},
		{500, "CT is locked (backup)", nil, KindLocked},
		{500, "CT is locked (create)", nil, KindLocked},
		{500, "VM is locked (backup)", nil, KindLocked},
		// A restore prefixes create_and_lock_config's refusal with its own words.
		{500, "unable to restore CT 101 - CT is locked (backup)", nil, KindLocked},
		{500, "unable to restore CT 101 - can't lock file '/run/lock/lxc/pve-config-101.lock' - got timeout", nil, KindLocked},
		{500, "storage 'x' is not available on node 'y'", nil, KindPermanent},
		{500, "no such task", nil, KindTransient},
		{500, "got timeout", nil, KindTransient},
		{595, "Connection refused", nil, KindTransient},
		{595, "Connection refused (node 'pve2' is offline)", nil, KindTransient},
		{596, "Connection timed out", nil, KindTransient},
		{503, "Service Unavailable", nil, KindTransient},
		{401, "authentication failure", nil, KindUnauthorized},
		{401, "No ticket", nil, KindUnauthorized},
		{401, "Permission denied - invalid csrf token", nil, KindUnauthorized},
		{403, "Permission check failed (/vms/100, VM.Allocate)", nil, KindPermanent},
		{403, "Permission check failed (/storage/local-lvm, Datastore.AllocateSpace)", nil, KindPermanent},
		{403, "Permission check failed (changing feature flags (except nesting) is only allowed for root@pam)", nil, KindPermanent},
		// The object a 403 names may be missing; the call's object is not.
		{403, "Permission check failed (pool 'ghosts' does not exist)", nil, KindPermanent},
		{400, "Parameter verification failed.",
			map[string]string{"net0": "invalid format - format error\nnet0.bridge: value does not match the regex pattern\n"}, KindPermanent},
	} {
		e := &APIError{Method: "POST", Path: "/nodes/pve1/lxc", Status: c.status, Message: c.msg, Errors: c.errors}
		if got := e.Kind(); got != c.want {
			t.Errorf("%d %q %v: %v, want %v", c.status, c.msg, c.errors, got, c.want)
		}
		if got := KindOf(fmt.Errorf("creating CT 101 on pve1: %w", e)); got != c.want {
			t.Errorf("wrapped %d %q: %v, want %v", c.status, c.msg, got, c.want)
		}
	}
}
