package deploy

import (
	"context"
	"fmt"
	"regexp"
	"sort"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// envName is what docker compose accepts as a variable name.
var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// CheckEnvironment rejects names compose cannot use, naming the first one.
func CheckEnvironment(env map[string]string) error {
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if problem := CheckEnvironmentName(k); problem != "" {
			return fmt.Errorf("%s", problem)
		}
	}
	return nil
}

// MergeEnvironment lays the application's values over the catalog defaults.
func MergeEnvironment(app *catalog.App, user map[string]string) map[string]string {
	merged := make(map[string]string, len(app.Environment)+len(user))
	for k, v := range app.Environment {
		merged[k] = v
	}
	for k, v := range user {
		merged[k] = v
	}
	return merged
}

// RenderCompose is the compose file written into the container: the
// catalog's document with ${VAR} interpolated from the merged environment.
// Each variable is also given to the services that read it (serviceGets),
// where the service does not set it itself, and to no other: Redis does
// not get Nextcloud's admin password. compose-go loads and validates
// it the way docker compose will. The document is already interpolated, so
// every $ left in it is literal and is written as $$: compose interpolates
// the file again when it reads it, and pa$word must arrive as pa$word.
func RenderCompose(ctx context.Context, app *catalog.App, user map[string]string) ([]byte, error) {
	if err := CheckEnvironment(user); err != nil {
		return nil, err
	}
	merged := MergeEnvironment(app, user)
	project, err := app.Project(ctx, merged)
	if err != nil {
		return nil, err
	}
	reads := app.ServiceKeys()
	main := app.ServiceNames()[0]
	for name, svc := range project.Services {
		if svc.Environment == nil {
			svc.Environment = map[string]*string{}
		}
		for k, v := range merged {
			if _, set := svc.Environment[k]; !set && serviceGets(reads, name, main, k) {
				value := v
				svc.Environment[k] = &value
			}
		}
		project.Services[name] = svc
	}
	out, err := project.MarshalYAML()
	if err == nil {
		out, err = escapeInterpolation(out)
	}
	if err != nil {
		return nil, fmt.Errorf("rendering the compose file of %s: %w", app.ID, err)
	}
	return out, nil
}

// serviceGets reports whether the service gets the variable key: when its
// definition interpolates it or its own environment names it (reads), and
// for the main service also when no service does (an image setting the
// catalog leaves to the app, or a key the user adds).
func serviceGets(reads map[string]map[string]bool, service, main, key string) bool {
	if reads[service][key] {
		return true
	}
	if service != main {
		return false
	}
	for _, keys := range reads {
		if keys[key] {
			return false
		}
	}
	return true
}
