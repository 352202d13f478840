// Package allocstore keeps the table of port pairs handed to apps, in a
// lock-protected allocation file: on the Proxmox cluster file system (shared
// by every Terraform run against the cluster) or on the machine running
// Terraform. Every change is a read-modify-write under the lock, and the file
// is replaced atomically; a file that does not parse is never overwritten.
package allocstore
