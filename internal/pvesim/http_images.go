package pvesim

import (
	"strings"
	"time"
)

// What the simulated images serve over HTTP on their published port, for
// wget inside a container (wget_busybox.go). Each entry is what the real
// image's server answers to a GET without credentials; a path the table
// does not name gets the image's notFound answer. Where a fact comes from:
//
//   - nginx: the official image's /etc/nginx/conf.d/default.conf
//     (github.com/nginxinc/docker-nginx) serves /usr/share/nginx/html,
//     which holds index.html and 50x.html: "/" is 200, any other path 404.
//   - httpd: the official image's htdocs holds only index.html ("It
//     works!"); caddy: the official image's Caddyfile serves
//     /usr/share/caddy, whose index.html is the welcome page.
//   - nextcloud: status.php answers 200 with its JSON status to anyone
//     (core's status.php); "/" sends a guest to the login form with a 302
//     (core's index.php, OC_Util::redirectToDefaultPage).
//   - gitea, forgejo: GET /api/healthz is their health endpoint, served
//     before any session or login (routers/web/web.go: routes.Get(
//     "/api/healthz", healthcheck.Check)), "/" the public home page.
//   - vaultwarden: GET /alive (src/api/web.rs alive, which also checks the
//     database connection), "/" the web vault.
//   - grafana: GET /api/health (pkg/api/health.go), "/" redirects a guest
//     to /login.
//   - jellyfin: GET /health ("Healthy", ASP.NET health checks), "/"
//     redirects to /web/.
//   - influxdb 2: GET /health; gotify: GET /health; synapse: GET /health;
//     n8n: GET /healthz; prometheus: GET /-/healthy, and "/" redirects to
//     /query (v3).
//   - loki: GET /ready answers 503 until the ingester has been ready for
//     15 s after its start (pkg/ingester's readiness, min ready duration).
//   - postgres, mariadb, mysql, redis, mongo speak no HTTP: the request
//     gets no HTTP answer (connection reset), which fails wget.
//
// An image the table does not know answers "/" 200 and any other path
// 404: most web apps serve their root (a login redirect ends on a 200 page
// too), and a path the simulator cannot know is not assumed to exist.

// httpAnswer is one response: status, reason and, for a redirect, Location.
type httpAnswer struct {
	status   int
	reason   string
	location string
}

var (
	httpOK       = httpAnswer{status: 200, reason: "OK"}
	httpNotFound = httpAnswer{status: 404, reason: "Not Found"}
)

func httpFound(location string) httpAnswer {
	return httpAnswer{status: 302, reason: "Found", location: location}
}

// imageHTTP is one image's server: its paths, and whether it speaks HTTP.
type imageHTTP struct {
	paths  map[string]httpAnswer
	noHTTP bool
	// readyAfter, when set, is how long after the container's start a
	// path of readyPaths answers 503.
	readyAfter time.Duration
	readyPaths []string
}

// imageServers are the images the table knows, by repository name
// (imageRepository).
var imageServers = map[string]imageHTTP{
	"nginx":      {paths: map[string]httpAnswer{"/": httpOK, "/index.html": httpOK, "/50x.html": httpOK}},
	"httpd":      {paths: map[string]httpAnswer{"/": httpOK, "/index.html": httpOK}},
	"caddy":      {paths: map[string]httpAnswer{"/": httpOK, "/index.html": httpOK}},
	"nextcloud":  {paths: map[string]httpAnswer{"/status.php": httpOK, "/": httpFound("/login"), "/login": httpOK}},
	"gitea":      {paths: map[string]httpAnswer{"/api/healthz": httpOK, "/": httpOK}},
	"forgejo":    {paths: map[string]httpAnswer{"/api/healthz": httpOK, "/": httpOK}},
	"server":     {paths: map[string]httpAnswer{"/alive": httpOK, "/": httpOK}}, // vaultwarden/server
	"grafana":    {paths: map[string]httpAnswer{"/api/health": httpOK, "/": httpFound("/login"), "/login": httpOK}},
	"jellyfin":   {paths: map[string]httpAnswer{"/health": httpOK, "/": httpFound("/web/"), "/web/": httpOK}},
	"influxdb":   {paths: map[string]httpAnswer{"/health": httpOK, "/": httpOK}},
	"synapse":    {paths: map[string]httpAnswer{"/health": httpOK, "/": httpFound("/_matrix/static/"), "/_matrix/static/": httpOK}},
	"n8n":        {paths: map[string]httpAnswer{"/healthz": httpOK, "/": httpOK}},
	"prometheus": {paths: map[string]httpAnswer{"/-/healthy": httpOK, "/-/ready": httpOK, "/": httpFound("/query"), "/query": httpOK}},
	"loki":       {paths: map[string]httpAnswer{"/ready": httpOK}, readyAfter: 15 * time.Second, readyPaths: []string{"/ready"}},
	"postgres":   {noHTTP: true},
	"mariadb":    {noHTTP: true},
	"mysql":      {noHTTP: true},
	"redis":      {noHTTP: true},
	"mongo":      {noHTTP: true},
}

// imageServerOf is the server of an image reference. vaultwarden/server
// and gotify/server share the repository name "server", so the namespace
// decides between them.
func imageServerOf(image string) (imageHTTP, bool) {
	if repo := imageRepository(image); repo == "server" {
		if namespaceOf(image) == "gotify" {
			return imageHTTP{paths: map[string]httpAnswer{"/health": httpOK, "/": httpOK}}, true
		}
	}
	srv, ok := imageServers[imageRepository(image)]
	return srv, ok
}

// namespaceOf is the path element before the repository name
// ("vaultwarden" in "vaultwarden/server:1.33.2"), "" for none.
func namespaceOf(image string) string {
	i := strings.LastIndexByte(image, '/')
	if i < 0 {
		return ""
	}
	ref := image[:i]
	return ref[strings.LastIndexByte(ref, '/')+1:]
}

// answer is what the server of svc's image answers to GET path, up being
// the simulated time since the container started.
func (srv imageHTTP) answer(path string, up time.Duration) httpAnswer {
	for _, p := range srv.readyPaths {
		if p == path && up < srv.readyAfter {
			return httpAnswer{status: 503, reason: "Service Unavailable"}
		}
	}
	if a, ok := srv.paths[path]; ok {
		return a
	}
	return httpNotFound
}

// unknownImageServer is the server of an image the table does not know.
var unknownImageServer = imageHTTP{paths: map[string]httpAnswer{"/": httpOK}}
