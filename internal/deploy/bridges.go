package deploy

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
)

// BridgeError is an app's bridge that its node lacks. A container whose
// net0 names a missing bridge is created, but does not start: lxc-start's
// network hook dies with "bridge '<name>' does not exist" when the kernel
// has no such interface (pve-container src/lxcnetaddbr reads
// /sys/class/net/<bridge>/mtu), which is also the case of a bridge that is
// configured but not brought up.
type BridgeError struct {
	Bridge string
	// Have lists, per node checked, the bridges it has: the asked (or
	// default) node, or every online node when the app names none.
	Have map[string][]string
	// Pending lists the nodes where the bridge is configured but not
	// applied (only in /etc/network/interfaces.new, or not brought up).
	Pending []string
}

func (e *BridgeError) Error() string {
	nodes := slices.Sorted(func(yield func(string) bool) {
		for n := range e.Have {
			if !yield(n) {
				return
			}
		}
	})
	var have []string
	for _, n := range nodes {
		have = append(have, fmt.Sprintf("%s has %s", n, cmp.Or(strings.Join(e.Have[n], ", "), "none")))
	}
	msg := fmt.Sprintf("no online node has bridge %q", e.Bridge)
	if len(nodes) == 1 {
		msg = fmt.Sprintf("node %s has no bridge %q", nodes[0], e.Bridge)
	}
	msg += fmt.Sprintf(", and a container on a missing bridge does not start (%s)", strings.Join(have, "; "))
	if len(e.Pending) > 0 {
		msg += fmt.Sprintf("; it is configured but not active on %s: apply the pending network changes (Apply Configuration, or ifreload -a)",
			strings.Join(e.Pending, ", "))
	}
	return msg + "; choose one of those bridges, or create it on the node. A bridge the token has neither SDN.Audit nor SDN.Use on " +
		"(/sdn/zones/localnetwork/<bridge>) is not listed either, and the token needs SDN.Use on it to attach a container"
}

// bridgeState tells whether a node has a bridge up, and lists the ones it has.
func (d *Service) bridgeState(ctx context.Context, node, bridge string) (ok, pending bool, have []string, err error) {
	list, err := d.Client.Bridges(ctx, node)
	if err != nil {
		return false, false, nil, err
	}
	for _, b := range list {
		// An SDN VNet is listed without the active flag of an interface.
		up := b.Active == 1 || b.Type == "vnet"
		if up {
			have = append(have, b.Name)
		}
		if b.Name == bridge {
			ok, pending = up, !up
		}
	}
	slices.Sort(have)
	return ok, pending, have, nil
}

// CheckNodeBridge reports, as a *BridgeError, an app's bridge (DefaultBridge
// when empty) that its node lacks: the asked node, else the default node,
// else every online node, since the node is chosen at apply among those
// with the bridge (chooseNode). The plan and the apply use it alike.
func (d *Service) CheckNodeBridge(ctx context.Context, node, bridge string) error {
	bridge = cmp.Or(bridge, DefaultBridge)
	nodes := []string{cmp.Or(node, d.DefaultNode)}
	if nodes[0] == "" {
		online, err := d.Client.OnlineNodes(ctx)
		if err != nil {
			return err
		}
		nodes = online
	}
	if len(nodes) == 0 {
		return nil // no online node: chooseNode says so
	}
	_, err := d.firstWithBridge(ctx, nodes, bridge)
	return err
}

// firstWithBridge is the first of nodes on which bridge is active; a
// *BridgeError saying what each has when none is.
func (d *Service) firstWithBridge(ctx context.Context, nodes []string, bridge string) (string, error) {
	e := &BridgeError{Bridge: bridge, Have: map[string][]string{}}
	for _, n := range nodes {
		ok, pending, have, err := d.bridgeState(ctx, n, bridge)
		if err != nil {
			return "", err
		}
		if ok {
			return n, nil
		}
		e.Have[n] = have
		if pending {
			e.Pending = append(e.Pending, n)
		}
	}
	return "", e
}
