// Package provider maps Terraform configuration and state onto the layers
// below (the Proxmox client, the deployment pipeline, the allocation store).
// It builds no HTTP request and no shell command itself.
//
// Each Terraform object has its file (application_resource.go,
// backup_resource.go, ...), with its schema beside it. The mapping lives on
// the models, as methods: a model says what it asks of the layer below
// (applicationModel.spec and change) and records what comes back
// (applicationModel.setApp and setObserved, backupModel.set), so that
// create, read, update and import write the state the same way.
package provider
