package deploy

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestExplainHostFailure: runc's sysctl failure in a compose up (as
// Compose v2 and v1 print it) becomes a HostPackageError naming the node,
// lxc-pve 6.0.5-2 and the upgrade command, keeping the original error;
// other failures pass unchanged.
func TestExplainHostFailure(t *testing.T) {
	const runc = "failed to create task for container: failed to create shim task: OCI runtime create failed: runc create failed: " +
		"unable to start container process: error during container init: open sysctl net.ipv4.ip_unprivileged_port_start file: " +
		"reopen fd 8: permission denied: unknown"
	for _, out := range []string{
		" Container app-web-1  Error response from daemon: " + runc + "\nError response from daemon: " + runc,
		"ERROR: for app_web_1  Cannot start service web: " + runc + "\nERROR: Encountered errors while bringing up the project.",
	} {
		cause := fmt.Errorf("docker exited 1: %s", out)
		err := explainHostFailure("pve2", cause)
		var host *HostPackageError
		if !errors.As(err, &host) || host.Node != "pve2" || host.Package != "lxc-pve" || !errors.Is(err, cause) {
			t.Fatalf("not recognised: %v", err)
		}
		for _, want := range []string{"node pve2", "lxc-pve 6.0.5-2 or newer", "apt update && apt full-upgrade",
			"open sysctl net.ipv4.ip_unprivileged_port_start file: reopen fd 8: permission denied", "CVE-2025-52881"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%q lacks %q", err.Error(), want)
			}
		}
	}
	other := errors.New("docker exited 1: Error response from daemon: pull access denied for nosuch")
	if err := explainHostFailure("pve2", other); err != other { //nolint:errorlint // the same error must come back
		t.Errorf("another failure changed: %v", err)
	}
	if explainHostFailure("pve2", nil) != nil {
		t.Error("no error became one")
	}
}
