package pvesim

import (
	"strings"
	"testing"

	proxmox "github.com/luthermonson/go-proxmox"
)

// TestGoProxmoxContainerWorkflows runs the container workflows of a
// general-purpose client (go-proxmox v0.8.2) end to end, on both releases:
// fetch a template with download-url, create a container with a mount point
// volume, grow the mount point, clone it, turn the clone into
// a template and clone that linked, move a volume, migrate, and read the
// node's bridges. Each call decodes into go-proxmox's own types, so a shape
// the client does not expect fails here.
func TestGoProxmoxContainerWorkflows(t *testing.T) {
	for _, release := range []string{"8.4", "9.1"} {
		t.Run(release, func(t *testing.T) {
			sim := startSim(t, Options{PVEVersion: release})
			c := pveClient(t, sim)
			node, err := c.Node(ctx(t), "pve1")
			if err != nil {
				t.Fatal(err)
			}

			const tmpl = "ubuntu-24.04-standard_24.04-2_amd64.tar.zst"
			upid, err := node.StorageDownloadURL(ctx(t), &proxmox.StorageDownloadURLOptions{
				Storage: "local", Content: "vztmpl", Filename: tmpl,
				URL: "http://download.proxmox.com/images/system/" + tmpl,
			})
			if err != nil {
				t.Fatalf("StorageDownloadURL: %v", err)
			}
			if status := waitTask(t, sim, upid); status != "OK" {
				t.Fatalf("download task: %s", status)
			}

			task, err := node.NewContainer(ctx(t), 200,
				proxmox.ContainerOption{Name: "ostemplate", Value: "local:vztmpl/" + tmpl},
				proxmox.ContainerOption{Name: "hostname", Value: "wf"},
				proxmox.ContainerOption{Name: "rootfs", Value: "local-lvm:4"},
				proxmox.ContainerOption{Name: "mp0", Value: "local-lvm:2,mp=/srv/data,backup=1"},
				proxmox.ContainerOption{Name: "net0", Value: "name=eth0,bridge=vmbr0,ip=dhcp"},
				proxmox.ContainerOption{Name: "unprivileged", Value: 1})
			if err != nil {
				t.Fatalf("NewContainer: %v", err)
			}
			mustWait(t, task)
			ct, err := node.Container(ctx(t), 200)
			if err != nil {
				t.Fatal(err)
			}
			// Config.pm print_ct_mountpoint: the volume first, then the
			// options sorted, with the size PVE allocated.
			if got := ct.ContainerConfig.Mps["mp0"]; got != "local-lvm:vm-200-disk-1,mp=/srv/data,backup=1,size=2G" {
				t.Errorf("mp0 as PVE prints it: %q", got)
			}
			task, err = ct.Resize(ctx(t), "mp0", "+1G")
			if err != nil {
				t.Fatalf("Resize mp0: %v", err)
			}
			mustWait(t, task)

			// API2/LXC.pm clone_vm: a clone onto another node needs a
			// shared storage, which local-lvm is not.
			if _, _, err := ct.Clone(ctx(t), &proxmox.ContainerCloneOptions{NewID: 201, Full: true, Target: "pve2", Storage: "local-lvm"}); err == nil ||
				!strings.Contains(err.Error(), "can't clone to non-shared storage 'local-lvm'") {
				t.Fatalf("a clone to another node's local storage: %v", err)
			}
			newid, task, err := ct.Clone(ctx(t), &proxmox.ContainerCloneOptions{NewID: 201, Full: true, Hostname: "wf-copy", Storage: "local-lvm"})
			if err != nil || newid != 201 {
				t.Fatalf("Clone: %d %v", newid, err)
			}
			mustWait(t, task)
			node2 := node
			clone, err := node2.Container(ctx(t), 201)
			if err != nil || clone.ContainerConfig.Hostname != "wf-copy" || !strings.Contains(clone.ContainerConfig.Mps["mp0"], "size=3G") {
				t.Fatalf("the full clone on pve2: %+v %v", clone, err)
			}
			if clone.ContainerConfig.Nets["net0"] == ct.ContainerConfig.Nets["net0"] {
				t.Errorf("a clone keeps its source's MAC: %q", clone.ContainerConfig.Nets["net0"])
			}

			if err := clone.Template(ctx(t)); err != nil {
				t.Fatalf("Template: %v", err)
			}
			waitForUnlocked(t, node2, 201)
			_, task, err = clone.Clone(ctx(t), &proxmox.ContainerCloneOptions{NewID: 202, Hostname: "wf-linked"})
			if err != nil {
				t.Fatalf("linked Clone: %v", err)
			}
			mustWait(t, task)
			// LvmThinPlugin.pm create_base renames the volume base-201-disk-0;
			// clone_image snapshots it as the clone's own next free name.
			base, err := node2.Container(ctx(t), 201)
			if err != nil || base.ContainerConfig.RootFS != "local-lvm:base-201-disk-0,size=4G" {
				t.Fatalf("the template's rootfs: %v %v", base.ContainerConfig.RootFS, err)
			}
			linked, err := node2.Container(ctx(t), 202)
			if err != nil || linked.ContainerConfig.RootFS != "local-lvm:vm-202-disk-0,size=4G" {
				t.Fatalf("the linked clone's rootfs: %v %v", linked.ContainerConfig.RootFS, err)
			}

			// go-proxmox's MoveVolume sends the VM's "disk" parameter, which
			// PVE's LXC move_volume does not have (it is "volume"): real PVE
			// and the simulator refuse it alike.
			if _, err := ct.MoveVolume(ctx(t), &proxmox.VirtualMachineMoveDiskOptions{Disk: "mp0", Storage: "local"}); err == nil ||
				!strings.Contains(err.Error(), `"volume":"property is missing and it is not optional"`) {
				t.Fatalf("MoveVolume with go-proxmox's parameters: %v", err)
			}
			// A fresh install's local storage takes no container volumes:
			// add a directory storage that does, as an admin would.
			if err := c.Post(ctx(t), "/storage", map[string]any{"storage": "data", "type": "dir", "path": "/srv/pve-data", "content": "rootdir,images"},
				nil); err != nil {
				t.Fatalf("adding a storage: %v", err)
			}
			var upidMove string
			if err := c.Post(ctx(t), "/nodes/pve1/lxc/200/move_volume", map[string]any{"volume": "mp0", "storage": "data", "delete": 1},
				&upidMove); err != nil {
				t.Fatalf("move_volume: %v", err)
			}
			if status := waitTask(t, sim, upidMove); status != "OK" {
				t.Fatalf("move_volume task: %s", status)
			}
			task, err = ct.Migrate(ctx(t), &proxmox.ContainerMigrateOptions{Target: "pve3"})
			if err != nil {
				t.Fatalf("Migrate: %v", err)
			}
			mustWait(t, task)
			node3, err := c.Node(ctx(t), "pve3")
			if err != nil {
				t.Fatal(err)
			}
			moved, err := node3.Container(ctx(t), 200)
			if err != nil || !strings.HasPrefix(moved.ContainerConfig.Mps["mp0"], "data:200/vm-200-disk-") {
				t.Fatalf("after move_volume and migrate: %+v %v", moved, err)
			}

			bridges, err := node.Networks(ctx(t), "bridge")
			if err != nil || len(bridges) != 1 || bridges[0].Iface != "vmbr0" {
				t.Fatalf("node bridges: %+v %v", bridges, err)
			}
		})
	}
}

// waitForUnlocked waits until a container has no lock: the template call
// answers before its task has finished.
func waitForUnlocked(t *testing.T, node *proxmox.Node, vmid int) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		ct, err := node.Container(ctx(t), vmid)
		if err != nil {
			t.Fatal(err)
		}
		if ct.ContainerConfig.Lock == "" {
			return
		}
	}
	t.Fatalf("CT %d stays locked", vmid)
}
