package deploy

import (
	"cmp"
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

// prepareRename checks and claims the new name, then moves the owner of the
// app's own pair in the allocation table to it, before the config changes:
// a later create of the old name then finds neither. undo moves the owner
// back and gives the claim up, for an update that fails before the config
// has the new name.
func (d *Service) prepareRename(ctx context.Context, vmid int, c Change, log *stepLog) (undo func(), err error) {
	unclaim, err := d.checkRename(ctx, vmid, c.NewHostname, log)
	if err != nil || c.AllocationID == "" {
		return unclaim, err
	}
	err = log.run(ctx, "move allocation owner", func() (string, error) {
		return c.AllocationID + " -> " + c.NewHostname, d.Ports.Rename(ctx, c.AllocationID, c.NewHostname)
	})
	if err != nil {
		unclaim()
		return func() {}, err
	}
	return func() {
		// Best effort, after a failure: a failed move back leaves the owner
		// at the new name, which the next rename or create takes back.
		_ = d.Ports.Rename(context.WithoutCancel(ctx), c.AllocationID, c.Hostname)
		unclaim()
	}, nil
}

// RenameUnfinishedError is an update that failed after the container's
// config took the new hostname and before the running system did: PVE
// shows the new name, the container still answers to the old one. The
// next apply finishes the rename (ResumeRename with From).
type RenameUnfinishedError struct {
	From, To string
	Step     string // the step that failed
	Err      error
}

func (e *RenameUnfinishedError) Error() string {
	return fmt.Sprintf("step %q failed: %v; the container's config already has the hostname %q, but the running container still "+
		"has %q: the next apply renames it inside", e.Step, e.Err, e.To, e.From)
}

func (e *RenameUnfinishedError) Unwrap() error { return e.Err }

// renameUnfinished wraps an update's failure in a RenameUnfinishedError
// when the config was written with a new name and the rename step did not
// succeed.
func renameUnfinished(c Change, steps []Step, err error) error {
	if c.NewHostname == "" || err == nil {
		return err
	}
	failed := ""
	for _, s := range steps {
		if s.Name == "rename" && s.Status == "ok" {
			return err
		}
		if s.Status == "failed" {
			failed = s.Name
		}
	}
	return &RenameUnfinishedError{From: cmp.Or(c.RenamedFrom, c.Hostname), To: c.NewHostname, Step: failed, Err: err}
}

// ResumeRename makes c finish a rename that a failed update left
// unfinished (from: the name the running container still has, from a
// RenameUnfinishedError): the hostname the config has is written again
// and given to the running container, unless c renames it anew, which then
// starts inside from that name too. A Change with a rename runs steps, so
// the plan shows the apply that finishes it.
func (c *Change) ResumeRename(from string) {
	if from == "" || from == cmp.Or(c.NewHostname, c.Hostname) {
		return
	}
	if c.NewHostname == "" {
		c.NewHostname = c.Hostname
	}
	c.RenamedFrom = from
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
