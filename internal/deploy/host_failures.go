package deploy

import (
	"errors"
	"fmt"
	"regexp"
)

// Some failures inside an app's container are the node's doing: the app and
// its template are fine, and what fixes them is a package on the Proxmox
// host. They are recognised by the message the container's software prints
// and explained in terms of the node.

// lxcPveRuncSysctl is runc's failure when its CVE-2025-52881 fix (runc
// 1.2.8, 1.3.3, 1.4.0 and distribution backports) opens a sysctl through a
// re-opened file descriptor, which the AppArmor profile and procfs handling
// of lxc-pve before 6.0.5-2 deny in an unprivileged container: every
// container start fails, in compose up as in docker run.
var lxcPveRuncSysctl = regexp.MustCompile(`open sysctl \S+ file: reopen fd \d+: permission denied`)

// lxcPveFixedVersion is the first lxc-pve that lets such a runc work.
const lxcPveFixedVersion = "6.0.5-2"

// HostPackageError is a failure in a container that a package on its node
// causes; updating the package on the node fixes it.
type HostPackageError struct {
	Node       string
	Package    string // the host package to update
	MinVersion string // the first version that works
	Symptom    string // what the container's software said
	Err        error
}

func (e *HostPackageError) Error() string {
	return fmt.Sprintf("Docker cannot start containers on node %s: %q. The container's runc has the CVE-2025-52881 fix, "+
		"which needs %s %s or newer on the Proxmox host for unprivileged containers; update %s on node %s "+
		"(apt update && apt full-upgrade there), then apply again", e.Node, e.Symptom, e.Package, e.MinVersion, e.Package, e.Node)
}

func (e *HostPackageError) Unwrap() error { return e.Err }

// explainHostFailure turns a failed command in a container on node into a
// HostPackageError when its output shows a known host-side cause; other
// errors come back as they are.
func explainHostFailure(node string, err error) error {
	if err == nil {
		return nil
	}
	var already *HostPackageError
	if errors.As(err, &already) {
		return err
	}
	if m := lxcPveRuncSysctl.FindString(err.Error()); m != "" {
		return &HostPackageError{Node: node, Package: "lxc-pve", MinVersion: lxcPveFixedVersion, Symptom: m, Err: err}
	}
	return err
}
