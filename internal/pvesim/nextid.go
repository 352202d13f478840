package pvesim

import "strconv"

// nextIDRange is the range /cluster/nextid searches, as pve-manager's
// API2/Cluster.pm nextid takes it from datacenter.cfg's next-id: lower
// (default 100) up to upper, excluded (default 1000*1000), since its loop
// is "for ($i = $lower; $i < $upper; $i++)". A vmid argument is checked
// alone, whatever the range.
func (dc *datacenterConfig) nextIDRange() (lower, upper int) {
	lower, upper = 100, 1000*1000
	props := propertyMap(dc.values["next-id"])
	if n, err := strconv.Atoi(props["lower"]); err == nil {
		lower = n
	}
	if n, err := strconv.Atoi(props["upper"]); err == nil {
		upper = n
	}
	return lower, upper
}
