// Package nodeshell runs shell commands on Proxmox VE nodes over SSH
// (golang.org/x/crypto/ssh), for what the API cannot do: pct exec and
// pct push into containers, and the cluster-wide lock on /etc/pve.
// Host keys are verified unless the user opted out explicitly.
package nodeshell
