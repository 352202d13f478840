// Package pveschema holds the part of the official Proxmox VE API schemas
// (8.4.2 and 9.1.3) that the simulator serves, and validates request parameters against it the
// way PVE's JSONSchema module does, with PVE's own messages.
package pveschema
