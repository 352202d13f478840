package deploy

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// What a plan asks of mount points and devices, decided by the rules the
// apply follows (planMounts), so that plan and apply agree.

// CheckMountStorage reports, for a plan, a volume storage that cannot take
// container volumes on the node (mountStorageProblem); "" when it can, or
// when the storages cannot be listed (left to the apply).
func (d *Service) CheckMountStorage(ctx context.Context, node, storage string) string {
	storages, err := d.Client.Storages(ctx, node)
	if err != nil {
		return ""
	}
	return mountStorageProblem(storages, node, storage)
}

// MountsRestart reports whether taking a running container from the mount
// points and devices it has (as a read found them) to want restarts it:
// PVE applies a changed or removed mount point, and any device change, only
// at the container's next start (vmconfig_hotplug_pending), so the apply
// reboots a running container then. err is a change the apply refuses
// (*StorageMoveError).
func MountsRestart(have []MountPoint, haveDevices []Device, want Mounts) (bool, error) {
	p, err := planMounts(configFrom(have, haveDevices), want)
	return p.restart, err
}

// configFrom is a container config holding the mount points and devices a
// read found, in their order.
func configFrom(have []MountPoint, devices []Device) *pveclient.ContainerConfig {
	cfg := &pveclient.ContainerConfig{MountPoints: map[int]pveclient.ContainerMountPoint{}, Extra: map[string]string{}}
	for i, m := range have {
		mp := pveclient.ContainerMountPoint{Path: m.Path, Volume: m.HostPath, ReadOnly: &m.ReadOnly}
		if !m.Bind() {
			mp.Volume = m.Volume
			if mp.Volume == "" {
				mp.Volume = fmt.Sprintf("%s:mp%d", m.Storage, i)
			}
			mp.Size, mp.Backup = int64(m.SizeGB)<<30, &m.Backup
		}
		cfg.MountPoints[i] = mp
	}
	for i, d := range devices {
		cfg.Extra["dev"+strconv.Itoa(i)] = d.String()
	}
	return cfg
}

// MissingHostDirs returns those of dirs that are no directory on the node,
// asked in one read-only SSH command (test -d): PVE mounts a bind mount's
// directory when the container starts, and fails the start without it
// (mountpoint_mount: "directory '...' does not exist"). Nothing when the
// node cannot be asked: the apply meets PVE's own check.
func (d *Service) MissingHostDirs(ctx context.Context, node string, dirs []string) []string {
	if d.Nodes == nil || len(dirs) == 0 {
		return nil
	}
	tests := make([]string, 0, len(dirs))
	for _, dir := range dirs {
		tests = append(tests, "[ -d "+Quote(dir)+" ] || printf '%s\\n' "+Quote(dir))
	}
	res, err := d.Nodes.Run(ctx, node, strings.Join(tests, "; "), nil)
	if err != nil || res.ExitCode != 0 {
		return nil
	}
	var missing []string
	for _, line := range strings.Split(res.Stdout, "\n") {
		if line != "" {
			missing = append(missing, line)
		}
	}
	return missing
}
