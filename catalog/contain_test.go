package catalog

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestUserCatalogsStayInsideTheirFiles: compose directives that read files
// on the machine running Terraform are refused, naming the file and field.
func TestUserCatalogsStayInsideTheirFiles(t *testing.T) {
	cases := map[string]string{
		"include":      `{"include": ["/home/ci/.aws/x.yml"], "services": {"web": {"image": "nginx:1.27"}}}`,
		"env_file":     `{"services": {"web": {"image": "nginx:1.27", "env_file": ["/home/ci/.env"]}}}`,
		"label_file":   `{"services": {"web": {"image": "nginx:1.27", "label_file": "/etc/labels"}}}`,
		"build":        `{"services": {"web": {"image": "nginx:1.27", "build": "/home/ci"}}}`,
		"extends.file": `{"services": {"web": {"image": "nginx:1.27", "extends": {"file": "/home/ci/base.yml", "service": "x"}}}}`,
	}
	for directive, compose := range cases {
		dir := t.TempDir()
		file := filepath.Join(dir, "web.json")
		writeFile(t, file, `{"id": "web", "name": "Web", "category": "Web Server", "docker_compose": `+compose+
			`, "ports": [80]}`)
		_, err := Load([]string{dir})
		if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), directive) ||
			!strings.Contains(err.Error(), "machine running Terraform") {
			t.Errorf("%s: %v", directive, err)
		}
	}
}

func TestHostReachIsListed(t *testing.T) {
	a := &App{ID: "x", DockerCompose: map[string]any{"services": map[string]any{
		"agent": map[string]any{"image": "x:1", "privileged": true, "pid": "host", "cap_add": []any{"NET_ADMIN"},
			"volumes": []any{"/var/run/docker.sock:/var/run/docker.sock", "data:/data",
				map[string]any{"type": "bind", "source": "/proc", "target": "/host/proc"}}},
		"web": map[string]any{"image": "nginx:1.27", "network_mode": "host", "devices": []any{"/dev/dri:/dev/dri"},
			"volumes": []any{"/etc/localtime:/etc/localtime:ro", "./conf:/etc/nginx/conf.d"}},
		"db": map[string]any{"image": "postgres:16", "volumes": []any{"db:/var/lib/postgresql/data"}},
	}, "volumes": map[string]any{"data": map[string]any{}, "db": map[string]any{}}}}
	got := strings.Join(a.HostReach(nil), "; ")
	want := "service agent: privileged; service agent: pid host; service agent: cap_add [NET_ADMIN]; " +
		"service agent: bind mount of /var/run/docker.sock; " +
		"service agent: bind mount of /proc; service web: network_mode host; service web: device /dev/dri"
	if got != want {
		t.Errorf("HostReach:\n%s\nwant:\n%s", got, want)
	}
	c, _ := Embedded()
	for _, app := range c.Apps() {
		if r := app.HostReach(nil); len(r) > 0 {
			t.Errorf("embedded app %s reaches beyond its container: %v", app.ID, r)
		}
	}
}

// TestHostReachSeesThroughInterpolation: settings hidden in ${VAR:-default}
// or in a volume's driver options count as what compose makes of them.
func TestHostReachSeesThroughInterpolation(t *testing.T) {
	a := &App{ID: "x", DockerCompose: map[string]any{"services": map[string]any{
		"s": map[string]any{"image": "x:1", "privileged": "${P:-true}", "network_mode": "${M:-host}", "volumes": []any{"${S:-/}:/host", "hostroot:/r"}},
	}, "volumes": map[string]any{"hostroot": map[string]any{"driver_opts": map[string]any{"type": "none", "o": "bind", "device": "/var"}}}}}
	got := strings.Join(a.HostReach(nil), "; ")
	want := "service s: privileged; service s: network_mode host; service s: bind mount of /; service s: volume hostroot binds /var"
	if got != want {
		t.Errorf("HostReach:\n%s\nwant:\n%s", got, want)
	}
	if got := a.HostReach(map[string]string{"P": "false", "M": "bridge", "S": "/srv/data"}); len(got) != 1 {
		t.Errorf("with safe values: %v", got)
	}
}
