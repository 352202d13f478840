package pvesim

import (
	"sort"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
)

// route is one schema path with the methods the simulator implements.
type route struct {
	template string
	segments []string // "{node}" marks a variable segment
	methods  map[string]*pveschema.Method
	handlers map[string]handlerFunc
	perms    map[string]*methodPerms
}

type router struct {
	routes []*route
}

// match finds the route of a request path; literal segments win over
// variables. A trailing {volume} takes the rest of the path, because volume
// ids contain '/' and clients (go-proxmox, pvesh) send them unescaped.
func (rt *router) match(segments []string) (*route, map[string]string) {
	for _, r := range rt.routes {
		last := len(r.segments) - 1
		if r.segments[last] == "{volume}" && len(segments) > len(r.segments) {
			joined := append(append([]string(nil), segments[:last]...), strings.Join(segments[last:], "/"))
			if route, vars := (&router{routes: []*route{r}}).match(joined); route != nil {
				return route, vars
			}
		}
		if len(r.segments) != len(segments) {
			continue
		}
		vars := map[string]string{}
		ok := true
		for i, seg := range r.segments {
			if strings.HasPrefix(seg, "{") {
				vars[strings.Trim(seg, "{}")] = segments[i]
			} else if seg != segments[i] {
				ok = false
				break
			}
		}
		if ok {
			return r, vars
		}
	}
	return nil, nil
}

// releaseSpecificPaths are handled paths that only some releases' schemas
// have; on a release without one the path is not served (a 501, as PVE
// answers an unknown path), while any other handled path missing from the
// schema is a bug that panics.
var releaseSpecificPaths = map[string]string{
	"/nodes/{node}/storage/{storage}/oci-registry-pull": "9.1",
}

// buildRoutes joins the schema with the handlers; every handled path must be
// in the schema, so the simulator never serves a path PVE does not have.
func (s *Simulator) buildRoutes() *router {
	handlers := map[string]map[string]handlerFunc{}
	// Each area of the API registers its paths in its own file.
	for _, area := range []map[string]map[string]handlerFunc{
		s.coreRoutes(), s.guestOpRoutes(), s.storageConfigRoutes(), s.downloadRoutes(), s.networkRoutes(),
		s.clusterConfigRoutes(), s.poolRoutes(), s.sdnRoutes(),
	} {
		for template, hs := range area {
			if handlers[template] == nil {
				handlers[template] = map[string]handlerFunc{}
			}
			for m, h := range hs {
				if handlers[template][m] != nil {
					panic("pvesim: route registered twice: " + m + " " + template)
				}
				handlers[template][m] = h
			}
		}
	}
	rt := &router{}
	for template, hs := range handlers {
		methods, ok := s.schema[template]
		if !ok && releaseSpecificPaths[template] != "" {
			continue
		}
		if !ok {
			panic("pvesim: route not in schema: " + template)
		}
		r := &route{template: template, segments: strings.Split(strings.Trim(template, "/"), "/"), methods: map[string]*pveschema.Method{}, handlers: hs,
			perms: map[string]*methodPerms{}}
		for m := range hs {
			if methods[m] == nil {
				panic("pvesim: method not in schema: " + m + " " + template)
			}
			r.methods[m] = methods[m]
			perms, err := compilePerms(methods[m].Permissions)
			if err != nil {
				panic("pvesim: permissions of " + m + " " + template + ": " + err.Error())
			}
			r.perms[m] = perms
		}
		rt.routes = append(rt.routes, r)
	}
	// Literal paths before variable ones of the same length.
	sort.SliceStable(rt.routes, func(i, j int) bool {
		return strings.Count(rt.routes[i].template, "{") < strings.Count(rt.routes[j].template, "{")
	})
	return rt
}

// coreRoutes are the paths of the cluster, guests, tasks, storage content,
// backups and access control.
func (s *Simulator) coreRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{
		"/version":                                 {"GET": s.getVersion},
		"/access/ticket":                           {"GET": s.getTicketDummy, "POST": s.postTicket},
		"/nodes":                                   {"GET": s.listNodes},
		"/nodes/{node}/status":                     {"GET": s.nodeStatus},
		"/cluster/status":                          {"GET": s.clusterStatus},
		"/cluster/nextid":                          {"GET": s.nextID},
		"/cluster/resources":                       {"GET": s.clusterResources},
		"/cluster/tasks":                           {"GET": s.clusterTasks},
		"/nodes/{node}/lxc":                        {"GET": s.listGuests, "POST": s.createGuest},
		"/nodes/{node}/lxc/{vmid}":                 {"GET": s.guestIndex, "DELETE": s.deleteGuest},
		"/nodes/{node}/lxc/{vmid}/config":          {"GET": s.getGuestConfig, "PUT": s.putGuestConfig},
		"/nodes/{node}/lxc/{vmid}/status/current":  {"GET": s.guestStatus},
		"/nodes/{node}/lxc/{vmid}/status/start":    {"POST": s.startGuest},
		"/nodes/{node}/lxc/{vmid}/status/stop":     {"POST": s.stopGuest},
		"/nodes/{node}/lxc/{vmid}/status/shutdown": {"POST": s.shutdownGuest},
		"/nodes/{node}/lxc/{vmid}/status/reboot":   {"POST": s.rebootGuest},
		"/nodes/{node}/lxc/{vmid}/interfaces":      {"GET": s.guestInterfaces},
		"/nodes/{node}/lxc/{vmid}/resize":          {"PUT": s.resizeGuest},
		"/nodes/{node}/tasks":                      {"GET": s.listTasks},
		"/nodes/{node}/tasks/{upid}":               {"GET": s.taskIndex, "DELETE": s.stopTask},
		"/nodes/{node}/tasks/{upid}/status":        {"GET": s.taskStatus},
		"/nodes/{node}/tasks/{upid}/log":           {"GET": s.taskLog},
		"/nodes/{node}/storage":                    {"GET": s.listStorages},
		"/nodes/{node}/storage/{storage}/status":   {"GET": s.storageStatus},
		"/nodes/{node}/storage/{storage}/content":  {"GET": s.listContent},
		"/nodes/{node}/storage/{storage}/content/{volume}": {
			"GET": s.getVolume, "PUT": s.putVolume, "DELETE": s.deleteVolume,
		},
		"/nodes/{node}/aplinfo":              {"GET": s.listAplinfo, "POST": s.downloadTemplate},
		"/nodes/{node}/vzdump":               {"POST": s.vzdump},
		"/nodes/{node}/vzdump/extractconfig": {"GET": s.extractConfig},
		"/nodes/{node}/vzdump/defaults":      {"GET": s.vzdumpDefaults},
		"/access":                            {"GET": s.accessIndex},
		"/access/users":                      {"GET": s.listUsers, "POST": s.createUser},
		"/access/users/{userid}":             {"GET": s.getUser, "PUT": s.updateUser, "DELETE": s.deleteUser},
		"/access/users/{userid}/token":       {"GET": s.listTokens},
		"/access/users/{userid}/token/{tokenid}": {
			"GET": s.getToken, "POST": s.createToken, "PUT": s.updateToken, "DELETE": s.deleteToken,
		},
		"/access/groups":           {"GET": s.listGroups, "POST": s.createGroup},
		"/access/groups/{groupid}": {"GET": s.getGroup, "PUT": s.updateGroup, "DELETE": s.deleteGroup},
		"/access/roles":            {"GET": s.listRoles, "POST": s.createRole},
		"/access/roles/{roleid}":   {"GET": s.getRole, "PUT": s.updateRole, "DELETE": s.deleteRole},
		"/access/acl":              {"GET": s.readACL, "PUT": s.updateACL},
		"/access/permissions":      {"GET": s.getPermissions},
		"/access/password":         {"PUT": s.changePassword},
		"/cluster/options":         {"GET": s.getClusterOptions, "PUT": s.putClusterOptions},
	}
}
