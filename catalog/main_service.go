package catalog

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// mainService is the service that is the app: the one named after its id,
// else the one that publishes its main port (a Proximity 1.0 catalog names
// services web, app, db...), else "" (ServiceNames then keeps name order).
// Environment keys that no service reads go to it, so it must be the app
// and not, say, its database.
func (a *App) mainService(services map[string]any) string {
	if _, ok := services[a.ID]; ok {
		return a.ID
	}
	port := a.MainPort()
	for _, name := range slices.Sorted(maps.Keys(services)) {
		svc, _ := services[name].(map[string]any)
		ports, _ := svc["ports"].([]any)
		for _, p := range ports {
			if publishedPort(p) == port {
				return name
			}
		}
	}
	return ""
}

// publishedPort is the host port of one entry of a service's ports, in the
// short syntax ("8080:80", "127.0.0.1:8080:80/tcp") or the long one
// ({published: 8080, target: 80}); 0 when it has none (a bare "80"
// publishes the container port on a random host port).
func publishedPort(p any) int {
	switch v := p.(type) {
	case map[string]any:
		n, _ := strconv.Atoi(fmt.Sprint(v["published"]))
		return n
	case string, int, float64:
		s, _, _ := strings.Cut(fmt.Sprint(v), "/")
		parts := strings.Split(s, ":")
		if len(parts) < 2 {
			return 0
		}
		n, _ := strconv.Atoi(parts[len(parts)-2])
		return n
	}
	return 0
}
