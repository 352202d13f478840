package deploy

import (
	"context"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

func TestRenderComposeMergesAndInterpolates(t *testing.T) {
	c, err := catalog.Embedded()
	if err != nil {
		t.Fatal(err)
	}
	app, _ := c.Get("wordpress")
	out, err := RenderCompose(context.Background(), app, map[string]string{"DB_PASSWORD": `pa ss'$word"`, "EXTRA": "1"})
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Name     string `yaml:"name"`
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
		Volumes map[string]any `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("rendered YAML does not parse: %v\n%s", err, out)
	}
	wp, db := doc.Services["wordpress"], doc.Services["db"]
	if wp.Image != "wordpress:6.7.2-apache" || db.Image != "mariadb:11.4.5" {
		t.Errorf("images %q %q", wp.Image, db.Image)
	}
	// The file holds the value escaped for compose's interpolation ($$);
	// TestRenderedDollarsSurviveInterpolation reads it back as compose does.
	if wp.Environment["WORDPRESS_DB_PASSWORD"] != `pa ss'$$word"` || db.Environment["MARIADB_PASSWORD"] != `pa ss'$$word"` {
		t.Errorf("the user's password did not reach both services: %v / %v", wp.Environment, db.Environment)
	}
	if db.Environment["MARIADB_ROOT_PASSWORD"] != "change-me-root" || wp.Environment["EXTRA"] != "1" {
		t.Errorf("defaults and extras: %v", db.Environment)
	}
	if _, ok := doc.Volumes["wp-content"]; !ok || doc.Name != "wordpress" {
		t.Errorf("volumes %v, name %q", doc.Volumes, doc.Name)
	}
}

func TestRenderComposeRejectsBadNames(t *testing.T) {
	c, _ := catalog.Embedded()
	app, _ := c.Get("nginx")
	_, err := RenderCompose(context.Background(), app, map[string]string{"GOOD": "x", "1BAD": "y"})
	if err == nil || !strings.Contains(err.Error(), `environment key "1BAD" must be a variable name`) {
		t.Fatalf("got %v", err)
	}
}

// TestEveryCatalogAppRenders: the compose file of every app renders with its defaults.
func TestEveryCatalogAppRenders(t *testing.T) {
	c, _ := catalog.Embedded()
	for _, app := range c.Apps() {
		if _, err := RenderCompose(context.Background(), app, nil); err != nil {
			t.Errorf("%s: %v", app.ID, err)
		}
	}
}
