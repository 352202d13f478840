package pveclient

// BootOptions are the boot and guard options a config update sets (nil
// leaves one as it is): onboot, startup (PVE's property string), swap in
// MiB, protection.
type BootOptions struct {
	OnBoot     *bool
	Startup    *string
	Swap       *int
	Protection *bool
}

func (o BootOptions) put(body map[string]any) {
	putFlag(body, "onboot", o.OnBoot)
	putFlag(body, "protection", o.Protection)
	if o.Startup != nil {
		body["startup"] = *o.Startup
	}
	if o.Swap != nil {
		body["swap"] = *o.Swap
	}
}
