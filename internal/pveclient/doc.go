// Package pveclient is the provider's small domain API over Proxmox VE,
// built on go-proxmox: typed errors, authentication, retries with backoff,
// task waiting and request logging with secrets masked.
package pveclient
