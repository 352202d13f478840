package deploy

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// A rename is a change of the container's config: hostname is one of PVE's
// fast-plug options, written at once whether the container runs or not
// (pve-container src/PVE/LXC/Config.pm, $LXC_FASTPLUG_OPTIONS in
// vmconfig_hotplug_pending). Inside the container PVE writes /etc/hostname
// and its section of /etc/hosts only at the next start
// (PVE::LXC::Setup::Base pre_start_hook -> set_hostname), and the running
// system keeps the old name until then; renameInside does the same now, so
// the app's container answers to its new name without a restart.
//
// Hostnames name applications: an unfinished deployment is found by its
// hostname (unfinished), a create refuses a hostname another application
// has (appNamed), and this run's creates claim theirs (Claims). A rename
// checks and claims the new name like a create, and moves the owner of the
// app's own pair in the allocation table with it, so a later create of the
// old name neither finds this container nor the pair as its own.

// checkRename refuses a new hostname that another application of the
// cluster has, or that a create of this run claimed. The claim it takes is
// given back by the returned function when the rename then fails.
func (d *Service) checkRename(ctx context.Context, vmid int, newName string, log *stepLog) (unclaim func(), err error) {
	unclaim = func() {}
	err = log.run(ctx, "check hostname", func() (string, error) {
		if !d.Claims.claim(newName) {
			return "", &HostnameTakenError{Hostname: newName, Holder: "another application of this configuration"}
		}
		unclaim = func() { d.Claims.release(newName) }
		if err := d.CheckRename(ctx, vmid, newName); err != nil {
			return "", err
		}
		return newName + " is free", nil
	})
	if err != nil {
		unclaim()
	}
	return unclaim, err
}

// CheckRename refuses, reading only, a new hostname that another
// Proximity application of the cluster has (a HostnameTakenError): the
// plan calls it, and the apply again before it renames.
func (d *Service) CheckRename(ctx context.Context, vmid int, newName string) error {
	guests, err := d.Client.ClusterGuests(ctx)
	if err != nil {
		return err
	}
	for _, g := range guests {
		if g.VMID != vmid && g.Type == "lxc" && g.Name == newName && slices.Contains(g.Tags, TagProximity) {
			return &HostnameTakenError{Hostname: newName, Holder: fmt.Sprintf("the application %s of CT %d on %s",
				strings.TrimPrefix(tagWithPrefix(g.Tags, TagApp), TagApp), g.VMID, g.Node)}
		}
	}
	return nil
}

// HostnameTakenError is a new hostname that another application has.
type HostnameTakenError struct{ Hostname, Holder string }

func (e *HostnameTakenError) Error() string {
	return fmt.Sprintf("the hostname %q is already %s; hostnames name applications: choose another", e.Hostname, e.Holder)
}

// release gives a hostname back, after a rename that claimed it failed.
func (c *Claims) release(hostname string) {
	if c != nil {
		c.names.Delete(hostname)
	}
}

// renameInside gives a running container its new name as PVE's start would:
// the running system's name and /etc/hostname (set_hostname), and the name
// in PVE's section of /etc/hosts (update_etc_hosts). The name is one DNS
// label, checked at plan time, and travels as an argument, never in the
// script.
func (d *Service) renameInside(ctx context.Context, node string, vmid int, oldName, newName string) (string, error) {
	if err := d.inContainer(ctx, node, vmid, "sh", "-c", `hostname "$1" && printf '%s\n' "$1" > /etc/hostname`, "sh", newName); err != nil {
		return "", err
	}
	hosts, err := d.output(ctx, node, vmid, "sh", "-c", "cat /etc/hosts 2>/dev/null || true")
	if err != nil {
		return "", err
	}
	renamed, ok := renameInHosts(hosts, oldName, newName)
	if !ok {
		return "/etc/hostname (no PVE section in /etc/hosts)", nil
	}
	return "/etc/hostname, /etc/hosts", retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, "sh", "-c", "cat > /etc/hosts"), strings.NewReader(renamed))
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("writing /etc/hosts exited %d: %s", res.ExitCode, strings.TrimSpace(res.Stderr))
		}
		return nil
	})
}

// renameInHosts replaces the old name, alone or as the first label of a
// domain name, in the section PVE keeps in /etc/hosts ("# --- BEGIN PVE ---"
// to "# --- END PVE ---", PVE::LXC::Setup::Base ct_modify_file); lines
// outside it are the user's. ok is false when the file has no such section.
func renameInHosts(hosts, oldName, newName string) (string, bool) {
	lines := strings.Split(hosts, "\n")
	in, found := false, false
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "# --- BEGIN PVE ---"):
			in, found = true, true
		case strings.HasPrefix(line, "# --- END PVE ---"):
			in = false
		case in && !strings.HasPrefix(strings.TrimSpace(line), "#"):
			fields := strings.Fields(line)
			for j, f := range fields[min(1, len(fields)):] {
				if f == oldName {
					fields[j+1] = newName
				} else if rest, ok := strings.CutPrefix(f, oldName+"."); ok {
					fields[j+1] = newName + "." + rest
				}
			}
			lines[i] = strings.Join(fields, " ")
		}
	}
	return strings.Join(lines, "\n"), found
}
