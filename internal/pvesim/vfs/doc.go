// Package vfs is the simulator's in-memory file tree: a node's root file
// system, a container's root file system, and pmxcfs's /etc/pve. Operations are
// atomic under one mutex per tree, which is what makes `mkdir` usable as a
// cluster-wide lock, as on the real pmxcfs.
package vfs
