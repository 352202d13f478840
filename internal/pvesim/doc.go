// Package pvesim simulates a small Proxmox VE 8.4 or 9.1 cluster: the HTTPS API under
// /api2/json as PVE answers it (schema validation, envelope, messages, tasks,
// locks), one SSH server per node whose commands run in a POSIX shell
// interpreter over the node's file tree, and the cluster file system /etc/pve
// shared by all nodes. It imports none of the provider's code: an independent
// implementation cannot mirror a client bug.
package pvesim
