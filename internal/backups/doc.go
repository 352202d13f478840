// Package backups is the backup layer: vzdump archives of containers, made,
// read, listed, annotated and removed through pveclient, and the one rule of
// which storages take backups. A backup is not a deployment: deploy uses
// this package only to find the archive an application is restored from.
package backups
