package deploy

// RunsSteps reports whether Update has anything to do. It is the one owner
// of that decision: Update returns at once when it is false, and the plan
// keeps deployment_log exactly as it is then (and adds one operation,
// known after apply, when it is true), so plan and apply cannot disagree.
//
// A Change runs steps iff it asks for something: every field below asks
// for work. A new kind of change (a new field of Change) adds its condition
// here, as one more line; TestRunsStepsCoversEveryField fails until it does,
// or until the field is listed there as input that asks for nothing alone.
func (c Change) RunsSteps() bool {
	return c.Memory != 0 || c.Cores != 0 || c.DiskGB != 0 ||
		c.Description != nil ||
		c.Tags != nil ||
		c.Network != nil ||
		c.Redeploy || c.Restart ||
		c.Running != nil ||
		c.Password != nil ||
		c.RestoreFrom != "" ||
		c.Relocate != nil ||
		c.Mounts != nil ||
		c.HealthPath != nil ||
		c.NewHostname != "" || c.Keys != nil || c.Ports != nil ||
		c.Boot != nil || c.Features != nil
}

// MovesAddress reports whether the container's address may differ after
// Update: it starts or stops, gets a new network configuration, is
// restored from a backup or moves (a migration restarts it). Only then are
// ip_address and url unknown in the plan and read again after the apply.
func (c Change) MovesAddress() bool {
	return c.Running != nil || c.Network != nil || c.RestoreFrom != "" || c.Relocate != nil ||
		(c.Mounts != nil && c.Mounts.Restarts) || // a reboot for them (mounts_apply.go)
		c.Features != nil // a running container restarts for them (controls_boot_features.go)
}

// Operation names what Update does, for the application's history.
func (c Change) Operation() string {
	if c.RestoreFrom != "" {
		return OperationRestore
	}
	return OperationUpdate
}
