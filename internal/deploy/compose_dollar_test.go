package deploy

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// dollarValues are user values with every form compose would interpolate.
var dollarValues = map[string]string{
	"DB_PASSWORD": "pa$word",
	"EXTRA":       "${HOME} $$ $ end$",
}

// TestRenderedDollarsSurviveInterpolation loads the rendered file (and its
// Compose v1 form) with compose-go's loader, interpolation on and a
// variable named like the text after the $ set, as docker compose loads it:
// the values arrive as the user wrote them. Without the $$ escape the
// loader substitutes $word and ${HOME}.
func TestRenderedDollarsSurviveInterpolation(t *testing.T) {
	c, _ := catalog.Embedded()
	app, _ := c.Get("wordpress")
	rendered, err := RenderCompose(context.Background(), app, dollarValues)
	if err != nil {
		t.Fatal(err)
	}
	v1, err := composeV1File(rendered)
	if err != nil {
		t.Fatal(err)
	}
	for name, file := range map[string][]byte{"v2": rendered, "v1": v1} {
		project, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
			WorkingDir:  "/opt/proximity/wordpress",
			ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: file}},
			Environment: types.Mapping{"word": "WRONG", "HOME": "/root"},
		}, func(o *loader.Options) { o.SetProjectName("wordpress", true) })
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, file)
		}
		// DB_PASSWORD reaches both services, which read it; EXTRA, which no
		// service reads, the main one alone (serviceGets).
		for service, keys := range map[string][]string{"wordpress": {"DB_PASSWORD", "EXTRA"}, "db": {"DB_PASSWORD"}} {
			for _, k := range keys {
				if got := project.Services[service].Environment[k]; got == nil || *got != dollarValues[k] {
					t.Errorf("%s: service %s gets %s=%v, want %q", name, service, k, deref(got), dollarValues[k])
				}
			}
		}
		if got, ok := project.Services["db"].Environment["EXTRA"]; ok {
			t.Errorf("%s: service db gets EXTRA=%v, which it does not read", name, deref(got))
		}
		if got := project.Services["wordpress"].Environment["WORDPRESS_DB_PASSWORD"]; got == nil || *got != "pa$word" {
			t.Errorf("%s: the catalog's ${DB_PASSWORD} gives %v, want pa$word", name, deref(got))
		}
	}
}

func deref(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// realDockerCompose is Debian's docker-compose 1.29.2 (Compose v1), which
// `docker-compose config` needs no daemon for; .ci/run installs it and sets
// PROXIMITY_REQUIRE_DOCKER_COMPOSE, so CI never skips.
func realDockerCompose(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("docker-compose")
	if err == nil {
		out, verr := exec.Command(bin, "version", "--short").Output()
		if verr == nil && strings.HasPrefix(strings.TrimSpace(string(out)), "1.") {
			return bin
		}
		err = &exec.Error{Name: bin, Err: os.ErrNotExist}
	}
	if os.Getenv("PROXIMITY_REQUIRE_DOCKER_COMPOSE") != "" {
		t.Fatalf("PROXIMITY_REQUIRE_DOCKER_COMPOSE is set but Compose v1 docker-compose is not available: %v", err)
	}
	t.Skip("Debian's docker-compose 1.29.2 is not installed (apt-get install docker-compose)")
	return ""
}

// TestComposeV1AcceptsEveryCatalogApp runs Debian's real docker-compose
// 1.29.2 `config` on the Compose v1 form of every catalog app, as Debian 12
// will read it, and checks a $ in a value comes through: v1's config
// writes the value back escaped, so pa$word shows as pa$$word (unescaped,
// v1 would say "The word variable is not set" and print pa).
func TestComposeV1AcceptsEveryCatalogApp(t *testing.T) {
	t.Parallel() // one python start per app: about half a second each
	bin := realDockerCompose(t)
	c, _ := catalog.Embedded()
	dir := t.TempDir()
	apps := make(chan *catalog.App)
	var wg sync.WaitGroup
	for range min(runtime.NumCPU(), 4) {
		wg.Go(func() {
			for app := range apps {
				checkV1Config(t, bin, dir, app)
			}
		})
	}
	for _, app := range c.Apps() {
		apps <- app
	}
	close(apps)
	wg.Wait()
}

func checkV1Config(t *testing.T, bin, dir string, app *catalog.App) {
	rendered, err := RenderCompose(context.Background(), app, map[string]string{"PROXIMITY_CHECK": "pa$word"})
	if err == nil {
		rendered, err = composeV1File(rendered)
	}
	if err != nil {
		t.Errorf("%s: %v", app.ID, err)
		return
	}
	file := filepath.Join(dir, app.ID+".yaml")
	if err := os.WriteFile(file, rendered, 0o600); err != nil {
		t.Error(err)
		return
	}
	cmd := exec.Command(bin, "-f", file, "-p", app.ID, "config")
	cmd.Env = append(os.Environ(), "word=WRONG")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Errorf("%s: docker-compose 1.29.2 refuses the v1 form: %v\n%s", app.ID, err, out)
		return
	}
	if !strings.Contains(string(out), "PROXIMITY_CHECK: pa$$word") {
		t.Errorf("%s: pa$word did not survive v1's interpolation:\n%s", app.ID, out)
	}
}

// TestComposeV1RefusesTheV2Form pins why the v1 form exists: the same real
// docker-compose refuses the rendered v2 file's top-level name.
func TestComposeV1RefusesTheV2Form(t *testing.T) {
	bin := realDockerCompose(t)
	c, _ := catalog.Embedded()
	app, _ := c.Get("wordpress")
	rendered, err := RenderCompose(context.Background(), app, nil)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "compose.yaml")
	if err := os.WriteFile(file, rendered, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-f", file, "-p", "wordpress", "config").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "'name' does not match any of the regexes: '^x-'") ||
		!strings.Contains(string(out), "unsupported option: 'required'") {
		t.Fatalf("want v1's refusal of name and depends_on.required, got %v\n%s", err, out)
	}
}
