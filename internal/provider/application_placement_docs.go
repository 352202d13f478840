package provider

import "fmt"

// The rules that place an application (deploy's templates.go,
// storage_choice.go and bridges.go), as the resource's documentation states
// them.
const (
	templateDescription = "LXC template (a volid or a template name). It must be a release the provider supports: " +
		"Alpine 3.21 or later, Debian 13, Debian 12 or Ubuntu 24.04, told by the file name as Proxmox's index names it " +
		"(`debian-12-standard_12.12-1_amd64.tar.zst`); any other is refused at plan. " +
		"Default: chosen from the node's appliance index (`pveam available --section system`) and the templates already on the node, " +
		"in this order: the newest Alpine (3 MiB, the fastest to fetch and create, Compose v2 from its community repository), " +
		"then Debian 13 (whose own `docker-compose` package is Compose v2), then Debian 12 (whose `docker-compose` is Compose v1 1.29.2, " +
		"driven with a v1-compatible compose file), then Ubuntu 24.04 (the largest template; the provider installs its `docker-compose-v2`); " +
		"within a release, a template already on the node before a download, then the newest build. " +
		"Templates of other releases on the node are never taken. A missing template is downloaded to a storage that takes `vztmpl`, " +
		"chosen by the rule of `storage`. " +
		"A file name and the volid of that file (`local:vztmpl/<name>`) are the same template: the state keeps the form the app " +
		"was created with (the volid when the default chose it), and switching the configuration between the two plans no change; " +
		"another template replaces the container. A name that matches no template on the node or in its index " +
		"(a short `debian-12-standard`) is refused at plan, naming the closest templates."

	storageDescription = "Storage of the root disk. Default: among the node's storages that take container disks (`rootdir`) " +
		"and are enabled and active (a disabled one, or one limited to other nodes, is never chosen), local storage before shared network " +
		"storage (NFS, CIFS, CephFS: a root disk there runs at the network's speed and stops with it), then the most free space, then the name."
)

// bridgeDescription documents bridge and the plan-time check of it.
var bridgeDescription = fmt.Sprintf("Network bridge (a Linux or OVS bridge, or an SDN VNet). Default `%s`. "+
	"The plan fails when the node lacks it, since a container on a missing bridge does not start: the configured `node` must have it, "+
	"else the provider's `default_node`; without either, some online node must have it, and the apply chooses among those that do. "+
	"A bridge configured but not applied (pending network changes) counts as missing. Changes in place: PVE moves net0 of a running "+
	"container to the new bridge at once (hot-plug), keeping its MAC address and name.", defaultBridge)
