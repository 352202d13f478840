package pvesim

// The three views of an SDN object the GET methods give (pve-network
// src/PVE/API2/Network/SDN/Zones.pm, Vnets.pm, Subnets.pm index and read):
// the pending files as they are, the running config (running=1), or both
// merged with a state per object (pending=1, SDN.pm pending_config).

// sdnView picks the configuration a GET shows. pick selects the object
// kind's part of the running config.
func (s *Simulator) sdnView(r *request, path string, pick func(*sdnRunning) *sdnCfg) *sdnCfg {
	switch {
	case r.bool("pending"):
		return &sdnCfg{IDs: sdnPending(pick(s.sdnRunningConfig()).IDs, s.readSDN(path).IDs)}
	case r.bool("running"):
		return pick(s.sdnRunningConfig())
	}
	return s.readSDN(path)
}

func runningZones(r *sdnRunning) *sdnCfg   { return r.Zones }
func runningVnets(r *sdnRunning) *sdnCfg   { return r.Vnets }
func runningSubnets(r *sdnRunning) *sdnCfg { return r.Subnets }

// sdnPending is SDN.pm pending_config: every running object with its
// running values, marked deleted when the pending file lost it or changed
// when a value differs or went ("pending": {key: "deleted"}); every pending
// object's changed values under "pending" (type and vnet stay on top), new
// when it is not running. Values are compared as encode_value prints them,
// and a pending value is shown that way (dhcp-range as one joined string).
func sdnPending(running, cfg map[string]sdnObj) map[string]sdnObj {
	out := map[string]sdnObj{}
	entry := func(id string) sdnObj {
		if out[id] == nil {
			out[id] = sdnObj{}
		}
		return out[id]
	}
	pendingOf := func(e sdnObj) sdnObj {
		if p, ok := e["pending"].(sdnObj); ok {
			return p
		}
		p := sdnObj{}
		e["pending"] = p
		return p
	}
	closeEntry := func(e sdnObj) {
		if _, ok := e["state"]; ok {
			pendingOf(e)
		}
	}
	for _, id := range sortedKeys(running) {
		ro, co := running[id], cfg[id]
		e := entry(id)
		for _, key := range sortedKeys(ro) {
			e[key] = ro[key]
			switch {
			case len(co) == 0:
				e["state"] = "deleted"
			case co[key] == nil:
				pendingOf(e)[key] = "deleted"
				e["state"] = "changed"
			case sdnString(ro[key]) != sdnString(co[key]):
				e["state"] = "changed"
			}
		}
		closeEntry(e)
	}
	for _, id := range sortedKeys(cfg) {
		ro, co := running[id], cfg[id]
		e := entry(id)
		for _, key := range sortedKeys(co) {
			cv := sdnEncoded(key, co[key])
			if key == "type" || key == "vnet" {
				e[key] = cv
			} else if ro[key] == nil || sdnString(cv) != sdnString(ro[key]) {
				pendingOf(e)[key] = cv
			}
			if len(ro) == 0 {
				e["state"] = "new"
			} else if ro[key] == nil {
				e["state"] = "changed"
			}
		}
		closeEntry(e)
	}
	return out
}

// sdnEncoded is SDN.pm encode_value: nodes, exitnodes and dhcp-range
// become one comma-joined string, anything else stays as it is.
func sdnEncoded(key string, v any) any {
	switch key {
	case "nodes", "exitnodes", "dhcp-range":
		return sdnString(v)
	}
	return v
}

// sdnAPIObject is the $api_sdn_*_config of the API modules: a copy with its
// ID under idKey and the file's digest (null in the pending and running
// views, which have none); nodes and exitnodes as strings.
func sdnAPIObject(cfg *sdnCfg, id, idKey string) sdnObj {
	out := sdnObj{}
	for k, v := range cfg.IDs[id] {
		out[k] = v
	}
	out[idKey] = id
	out["digest"] = nil
	if cfg.digest != "" {
		out["digest"] = cfg.digest
	}
	for _, k := range []string{"nodes", "exitnodes"} {
		if v, ok := out[k]; ok {
			out[k] = sdnString(v)
		}
	}
	if p, ok := out["pending"].(sdnObj); ok {
		cp := sdnObj{}
		for k, v := range p {
			cp[k] = v
		}
		out["pending"] = cp
	}
	return out
}
