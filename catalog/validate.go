package catalog

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// safeID keeps ids usable as file, project and host names: lower case,
// digits and dashes, no '/', '..' or spaces.
var safeID = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Validate checks an entry's fields. fileID, when not empty, is the file name
// the id must equal; extraCategories are those a 1.0 index.json declares.
func (a *App) Validate(fileID string, extraCategories []string) error {
	fail := func(field, format string, args ...any) error {
		return &FileError{File: a.Source, Field: field, Err: fmt.Errorf(format, args...)}
	}
	switch {
	case a.ID == "":
		return fail("id", "missing")
	case !safeID.MatchString(a.ID):
		return fail("id", "%q is not a safe id: use lower-case letters, digits and dashes (no '/', '..', upper case or spaces)", a.ID)
	case fileID != "" && fileID != a.ID:
		return fail("id", "%q does not match the file name %s.json; rename one of them", a.ID, fileID)
	case a.Name == "":
		return fail("name", "missing")
	case !knownCategory(a.Category, extraCategories):
		return fail("category", "unknown category %q; use one of %s", a.Category,
			strings.Join(append(append([]string(nil), Categories...), extraCategories...), ", "))
	case a.MinMemory <= 0:
		return fail("min_memory", "must be a positive number of MB, got %d", a.MinMemory)
	case a.MinCPU <= 0:
		return fail("min_cpu", "must be a positive number of cores, got %d", a.MinCPU)
	case a.MinDisk <= 0:
		return fail("min_disk", "must be a positive number of GB, got %d", a.MinDisk)
	}
	for _, p := range a.Ports {
		if p < 1 || p > 65535 {
			return fail("ports", "%d is not a port", p)
		}
	}
	if err := a.checkSecrets(fail); err != nil {
		return err
	}
	if a.HealthPath != "" {
		if err := CheckHealthPath(a.HealthPath); err != nil {
			return fail("healthPath", "%v", err)
		}
	}
	return a.checkCompose(fail)
}

func knownCategory(c string, extra []string) bool {
	for _, k := range append(append([]string(nil), Categories...), extra...) {
		if k == c {
			return true
		}
	}
	return false
}

// checkCompose is the fast structural check done at every load: services
// with images and declared named volumes. ValidateCompose does the full one.
func (a *App) checkCompose(fail func(field, format string, args ...any) error) error {
	services, ok := a.DockerCompose["services"].(map[string]any)
	if !ok || len(services) == 0 {
		return fail("docker_compose", "has no services")
	}
	declared, _ := a.DockerCompose["volumes"].(map[string]any)
	for name, raw := range services {
		svc, ok := raw.(map[string]any)
		if !ok {
			return fail("docker_compose", "service %q is not an object", name)
		}
		if img, _ := svc["image"].(string); img == "" {
			return fail("docker_compose", "service %q has no image; every service needs a pinned image such as nginx:1.27.4", name)
		}
		vols, _ := svc["volumes"].([]any)
		for _, v := range vols {
			spec, _ := v.(string)
			source, _, hasTarget := strings.Cut(spec, ":")
			if !hasTarget || source == "" || strings.ContainsAny(source[:1], "/.~$") {
				continue
			}
			if _, ok := declared[source]; !ok {
				return fail("docker_compose", "service %q uses the named volume %q, which is not declared under volumes", name, source)
			}
		}
	}
	return nil
}

// ValidateCompose loads the compose document with compose-go, as docker
// compose would, with the app's environment for interpolation.
func (a *App) ValidateCompose(ctx context.Context) error {
	_, err := a.Project(ctx, a.Environment)
	return err
}

// Project returns the compose project of the app with env for interpolation.
func (a *App) Project(ctx context.Context, env map[string]string) (*types.Project, error) {
	details := types.ConfigDetails{
		WorkingDir:  "/opt/" + a.ID,
		ConfigFiles: []types.ConfigFile{{Filename: a.ID + ".json", Config: deepCopy(a.DockerCompose)}},
		// A copy: the loader adds COMPOSE_PROJECT_NAME to the mapping it is
		// given, and callers that lay env over the services must not get it.
		Environment: types.Mapping(maps.Clone(env)),
	}
	project, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		o.SetProjectName(a.ID, true)
		o.SkipResolveEnvironment = true
	})
	if err != nil {
		return nil, &FileError{File: a.Source, Field: "docker_compose", Err: err}
	}
	return project, nil
}

// deepCopy protects the catalog's maps from compose-go's in-place normalisation.
func deepCopy(v map[string]any) map[string]any {
	out := make(map[string]any, len(v))
	for k, val := range v {
		out[k] = copyValue(val)
	}
	return out
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return deepCopy(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = copyValue(e)
		}
		return out
	}
	return v
}
