package deploy

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
)

// restoredEnvironment is the environment a restored application runs with:
// the one its backup was made with (read from the compose file in the
// container), with the configured values laid over it key by key. The
// restored data was initialised with the old values (a database password,
// most often), so a value the configuration does not set must not fall back
// to the catalog's default. It also returns the keys kept from the backup.
func (d *Service) restoredEnvironment(
	ctx context.Context, entry *catalog.App, app App, configured map[string]string,
) (map[string]string, []string, error) {
	old, err := d.runningEnvironment(ctx, entry, app.Node, app.VMID)
	if err != nil {
		return nil, nil, err
	}
	env := layEnvironment(old, nil, configured)
	var kept []string
	for k := range env {
		if _, set := configured[k]; !set {
			kept = append(kept, k)
		}
	}
	sort.Strings(kept)
	// A secret the backup does not hold (no compose file in it) gets a
	// value of its own, never the catalog's placeholder; the provider reads
	// the values back (RunningSecrets).
	return withSecrets(env, GeneratedSecrets(entry, env, nil)), kept, nil
}

// layEnvironment lays the configured values over the environment an
// application runs with. A key the previous configuration set and this one
// no longer does is dropped, so it goes back to the catalog's default (or
// away); every other key keeps its running value: one kept from a backup
// stays what the restored data was initialised with.
func layEnvironment(running, previous, configured map[string]string) map[string]string {
	env := make(map[string]string, len(running)+len(configured))
	for k, v := range running {
		if CheckEnvironmentName(k) == "" {
			env[k] = v
		}
	}
	for k := range previous {
		if _, still := configured[k]; !still {
			delete(env, k)
		}
	}
	maps.Copy(env, configured)
	return env
}

// runningEnvironment reads the environment out of the application's
// compose file in the container. A container without it (a backup of
// another app, or one made before the file was written) has none: nil.
// Any other failure is one: the old values must not silently fall back to
// the catalog's.
func (d *Service) runningEnvironment(ctx context.Context, entry *catalog.App, node string, vmid int) (map[string]string, error) {
	path := appDir(entry) + "/compose.yaml"
	text, err := d.output(ctx, node, vmid, "sh", "-c", `[ -f "$1" ] || exit 0; printf '%s' "$1:"; cat "$1"`, "sh", path)
	if err != nil {
		return nil, fmt.Errorf("reading the environment of the application from %s: %w", path, withoutOutput(err, path+":"))
	}
	text, found := strings.CutPrefix(text, path+":")
	if !found {
		return nil, nil
	}
	env, err := composeEnvironment(ctx, entry, []byte(text))
	if err != nil {
		// The parser's message may quote the file, values and all.
		return nil, fmt.Errorf("reading the environment of the application from %s: it is no compose file the provider can read "+
			"(the parser's message is left out: it may quote a secret)", path)
	}
	return env, nil
}

// quietError is an error whose text leaves out what a command printed on
// its standard output, which held a file of secrets; errors.As still finds
// what it wraps.
type quietError struct {
	text string
	err  error
}

func (e *quietError) Error() string { return e.text }
func (e *quietError) Unwrap() error { return e.err }

// withoutOutput cuts err's text where the command's output began (marker,
// which the command printed first): what precedes it (the exit code, the
// standard error) stays.
func withoutOutput(err error, marker string) error {
	text, _, cut := strings.Cut(err.Error(), marker)
	if !cut {
		return err
	}
	return &quietError{text: strings.TrimSpace(text) + " (its output is left out: it holds the compose file)", err: err}
}

// composeEnvironment reads the application environment back out of a
// compose file that RenderCompose wrote. A variable is there in two forms:
// as an entry of its own in every service that does not declare it in the
// catalog, and interpolated wherever the catalog writes ${KEY}. A variable
// every service declares itself (duplicati's SETTINGS_ENCRYPTION_KEY:
// ${SETTINGS_ENCRYPTION_KEY}) is there only in the second form: the
// catalog's project rendered with a marker for each variable tells which
// entries carry which. Loading the file as Compose does turns the "$$"
// escapes back into "$".
func composeEnvironment(ctx context.Context, entry *catalog.App, text []byte) (map[string]string, error) {
	marked, err := entry.Project(ctx, markers(entry.Environment))
	if err != nil {
		return nil, err
	}
	rendered, err := loader.LoadWithContext(ctx, types.ConfigDetails{
		WorkingDir:  appDir(entry),
		ConfigFiles: []types.ConfigFile{{Filename: "compose.yaml", Content: text}},
		Environment: types.Mapping{},
	}, func(o *loader.Options) {
		o.SetProjectName(entry.ID, true)
		o.SkipResolveEnvironment = true
		o.SkipValidation = true
		o.SkipConsistencyCheck = true
	})
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for name, svc := range rendered.Services {
		declared := marked.Services[name].Environment
		for k, v := range svc.Environment {
			if _, own := declared[k]; !own && v != nil {
				env[k] = *v
			}
		}
	}
	for name, svc := range marked.Services {
		for k, template := range svc.Environment {
			value := rendered.Services[name].Environment[k]
			if template == nil || value == nil {
				continue
			}
			for key, v := range unmark(*template, *value) {
				if _, found := env[key]; !found {
					env[key] = v
				}
			}
		}
	}
	return env, nil
}

// markerPattern finds the marker of a variable in the catalog project: text no catalog
// value holds, which compose-go's interpolation leaves as it is.
var markerPattern = regexp.MustCompile(`<<proximity:([A-Za-z_][A-Za-z0-9_]*)>>`)

// markers is an environment whose every value is its key's marker.
func markers(env map[string]string) map[string]string {
	out := make(map[string]string, len(env))
	for k := range env {
		out[k] = "<<proximity:" + k + ">>"
	}
	return out
}

// unmark reads the variables of template (an entry of the marked project)
// out of value (the same entry as rendered): template's text around the
// markers must match, and each marker takes what lies between. It returns
// nil when the template has no marker or the value does not fit it.
func unmark(template, value string) map[string]string {
	found := markerPattern.FindAllStringSubmatchIndex(template, -1)
	if len(found) == 0 {
		return nil
	}
	var pattern strings.Builder
	keys := make([]string, 0, len(found))
	last := 0
	pattern.WriteString(`(?s)^`)
	for _, m := range found {
		pattern.WriteString(regexp.QuoteMeta(template[last:m[0]]) + `(.*)`)
		keys = append(keys, template[m[2]:m[3]])
		last = m[1]
	}
	pattern.WriteString(regexp.QuoteMeta(template[last:]) + `$`)
	match := regexp.MustCompile(pattern.String()).FindStringSubmatch(value)
	if match == nil {
		return nil
	}
	out := make(map[string]string, len(keys))
	for i, key := range keys {
		if seen, twice := out[key]; twice && seen != match[i+1] {
			return nil
		}
		out[key] = match[i+1]
	}
	return out
}
