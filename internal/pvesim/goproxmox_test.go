package pvesim

import (
	"strings"
	"testing"
	"time"

	proxmox "github.com/luthermonson/go-proxmox"
)

// TestGoProxmoxEndpoints drives the remaining endpoints through go-proxmox
// v0.8.2, so that the JSON the simulator sends decodes into its types.
func TestGoProxmoxEndpoints(t *testing.T) {
	sim := startSim(t, Options{})
	c := pveClient(t, sim)
	node, err := c.Node(ctx(t), "pve1")
	if err != nil {
		t.Fatalf("Node: %v", err)
	}
	if node.Memory.Total != 16<<30 || node.CPUInfo.CPUs != 4 {
		t.Errorf("node status memory %d cpus %d", node.Memory.Total, node.CPUInfo.CPUs)
	}
	nodes, err := c.Nodes(ctx(t))
	if err != nil || len(nodes) != 3 {
		t.Fatalf("Nodes: %d %v", len(nodes), err)
	}
	cluster, err := c.Cluster(ctx(t))
	if err != nil || cluster.Name != "proximity-sim" || len(cluster.Nodes) != 3 {
		t.Fatalf("Cluster: %+v %v", cluster, err)
	}

	apps, err := node.Appliances(ctx(t))
	if err != nil || len(apps) < 5 {
		t.Fatalf("Appliances: %d %v", len(apps), err)
	}
	upid, err := node.DownloadAppliance(ctx(t), "ubuntu-24.04-standard_24.04-2_amd64.tar.zst", "local")
	if err != nil {
		t.Fatalf("DownloadAppliance: %v", err)
	}
	waitTask(t, sim, upid)
	tmpl, err := node.VzTmpl(ctx(t), "ubuntu-24.04-standard_24.04-2_amd64.tar.zst", "local")
	if err != nil || tmpl.VolID != "local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst" {
		t.Fatalf("VzTmpl after download: %+v %v", tmpl, err)
	}
	storages, err := node.Storages(ctx(t))
	if err != nil || len(storages) != 2 {
		t.Fatalf("Storages: %d %v", len(storages), err)
	}
	rootdir, err := node.StorageRootDir(ctx(t))
	if err != nil || rootdir.Name != "local-lvm" {
		t.Fatalf("StorageRootDir: %+v %v", rootdir, err)
	}

	task, err := node.NewContainer(ctx(t), 100,
		proxmox.ContainerOption{Name: "ostemplate", Value: tmpl.VolID},
		proxmox.ContainerOption{Name: "rootfs", Value: "local-lvm:4"},
		proxmox.ContainerOption{Name: "net0", Value: "name=eth0,bridge=vmbr0,ip=10.0.0.5/24,gw=10.0.0.1"},
		proxmox.ContainerOption{Name: "start", Value: true})
	if err != nil {
		t.Fatalf("NewContainer: %v", err)
	}
	mustWait(t, task)
	cts, err := node.Containers(ctx(t))
	if err != nil || len(cts) != 1 || cts[0].Status != "running" || cts[0].Name != "CT100" {
		t.Fatalf("Containers: %+v %v", cts, err)
	}
	ct, err := node.Container(ctx(t), 100)
	if err != nil {
		t.Fatal(err)
	}
	if ifs, err := ct.Interfaces(ctx(t)); err != nil || ifs[1].Inet != "10.0.0.5/24" {
		t.Errorf("static address: %+v %v", ifs, err)
	}
	task, err = ct.Resize(ctx(t), "rootfs", "+1G")
	if err != nil {
		t.Fatalf("Resize: %v", err)
	}
	mustWait(t, task)
	task, err = ct.Reboot(ctx(t))
	if err != nil {
		t.Fatalf("Reboot: %v", err)
	}
	mustWait(t, task)

	task, err = node.Vzdump(ctx(t), &proxmox.VirtualMachineBackupOptions{VMID: 100, Storage: "local", Mode: "stop", Compress: "gzip"})
	if err != nil {
		t.Fatalf("Vzdump: %v", err)
	}
	mustWait(t, task)
	lines, err := task.Log(ctx(t), 0, 100)
	if err != nil || lines[len(lines)-1] != "TASK OK" || lines[len(lines)-2] != "INFO: Backup job finished successfully" {
		t.Errorf("vzdump log: %v %v", lines, err)
	}
	local, err := node.Storage(ctx(t), "local")
	if err != nil {
		t.Fatalf("Storage: %v", err)
	}
	content, err := local.GetContent(ctx(t))
	if err != nil {
		t.Fatalf("GetContent: %v", err)
	}
	var volid string
	for _, item := range content {
		if strings.Contains(item.Volid, ":backup/") {
			volid = item.Volid
		}
	}
	if !strings.HasSuffix(volid, ".tar.gz") {
		t.Fatalf("backup volid %q", volid)
	}
	protected := true
	if err := local.UpdateContent(ctx(t), volid, &proxmox.StorageContentUpdateOptions{Notes: "keep", Protected: &protected}); err != nil {
		t.Fatalf("UpdateContent with an unescaped volid: %v", err)
	}
	task, err = local.DeleteContent(ctx(t), volid)
	if err != nil {
		t.Fatalf("DeleteContent: %v", err)
	}
	if err := task.Wait(ctx(t), 5*time.Millisecond, 10*time.Second); err != nil || !task.IsFailed ||
		!strings.HasPrefix(task.ExitStatus, "cannot remove protected archive") {
		t.Errorf("deleting a protected backup: %v failed=%v %q", err, task.IsFailed, task.ExitStatus)
	}

	tasks, err := node.Tasks(ctx(t), &proxmox.NodeTasksOptions{TypeFilter: "vzdump", Limit: 10})
	if err != nil || len(tasks) != 1 {
		t.Errorf("node tasks: %d %v", len(tasks), err)
	}
	all, err := cluster.Tasks(ctx(t))
	if err != nil || len(all) < 6 {
		t.Errorf("cluster tasks: %d %v", len(all), err)
	}
	resources, err := cluster.Resources(ctx(t))
	if err != nil || len(resources) < 1+3+6 {
		t.Errorf("resources: %d %v", len(resources), err)
	}
}

func mustWait(t *testing.T, task *proxmox.Task) {
	t.Helper()
	if err := task.Wait(ctx(t), 5*time.Millisecond, 30*time.Second); err != nil {
		t.Fatalf("task %s: %v", task.UPID, err)
	}
	if !task.IsSuccessful {
		t.Fatalf("task %s failed: %s", task.UPID, task.ExitStatus)
	}
}
