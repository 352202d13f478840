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
		writeFile(t, file, `{"id": "web", "name": "Web", "category": "Web Server", "docker_compose": `+compose+`, "ports": [80]}`)
		_, err := Load([]string{dir})
		if err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), directive) || !strings.Contains(err.Error(), "machine running Terraform") {
			t.Errorf("%s: %v", directive, err)
		}
	}
}

func TestHostReachIsListed(t *testing.T) {
	a := &App{DockerCompose: map[string]any{"services": map[string]any{
		"agent": map[string]any{"image": "x:1", "privileged": true, "pid": "host", "cap_add": []any{"NET_ADMIN"},
			"volumes": []any{"/var/run/docker.sock:/var/run/docker.sock", "data:/data", map[string]any{"type": "bind", "source": "/proc", "target": "/host/proc"}}},
		"web": map[string]any{"image": "nginx:1.27", "network_mode": "host", "devices": []any{"/dev/dri"}},
		"db":  map[string]any{"image": "postgres:16", "volumes": []any{"db:/var/lib/postgresql/data"}},
	}}}
	got := strings.Join(a.HostReach(), "; ")
	want := "service agent: privileged; service agent: pid host; service agent: cap_add [NET_ADMIN]; service agent: bind mount of /var/run/docker.sock; " +
		"service agent: bind mount of /proc; service web: network_mode host; service web: devices [/dev/dri]"
	if got != want {
		t.Errorf("HostReach:\n%s\nwant:\n%s", got, want)
	}
	c, _ := Embedded()
	for _, app := range c.Apps() {
		if r := app.HostReach(); len(r) > 0 {
			t.Errorf("embedded app %s reaches beyond its container: %v", app.ID, r)
		}
	}
}

func TestHostReachIgnoresOrdinaryVolumes(t *testing.T) {
	a := &App{DockerCompose: map[string]any{"services": map[string]any{"web": map[string]any{"image": "x:1",
		"volumes": []any{"/data", "./conf:/etc/x", map[string]any{"type": "tmpfs", "target": "/tmp"}, "/srv/app//:/app", "//:/host"}}}}}
	if got := strings.Join(a.HostReach(), "; "); got != "service web: bind mount of //" {
		t.Errorf("HostReach: %q", got)
	}
}
