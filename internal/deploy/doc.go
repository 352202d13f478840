// Package deploy is the application layer: it turns a catalog app and an
// application's settings into a running container, and reads, changes and
// destroys it, with every rule about applications (catalog lookup, node and
// environment checks, ports, the app's URL). It builds the commands and files
// that reach the node over SSH; the provider layer only maps Terraform models
// onto it.
package deploy
