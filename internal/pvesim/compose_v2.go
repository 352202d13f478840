package pvesim

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/template"
	"github.com/compose-spec/compose-go/v2/types"
)

// composeSpec is a loaded, interpolated and validated project: what the
// simulator's engine acts on, whichever compose loaded it.
type composeSpec struct {
	Name     string
	Services map[string]composeServiceSpec
	Order    []string // services in dependency order
	Config   []byte   // what `compose config` prints
}

type composeServiceSpec struct {
	Image         string
	Restart       string
	Ports         []publishPort
	ContainerName string
	NamedVolumes  []string
	DependsOn     []string
	Environment   map[string]string
	// HealthInterval is the healthcheck's probe interval; Healthcheck
	// tells whether the service has one (compose_health.go).
	Healthcheck    bool
	HealthInterval time.Duration
}

// loadComposeV2 loads the files with compose-go, the loader Compose v2 is
// built on: its interpolation ($VAR, ${VAR:-default}, ${VAR:?err}, $$),
// schema and consistency checks and messages. Unset variables are returned
// in order for the caller to warn about, as compose-go's
// template.DefaultReplacementAppliedFunc logs them.
func loadComposeV2(ctx context.Context, g *guest, files []string, workDir, name string, env map[string]string) (*composeSpec, []string, error) {
	details := types.ConfigDetails{WorkingDir: workDir, Environment: env}
	for _, f := range files {
		raw, err := g.RootFS.ReadFile(f)
		if err != nil {
			return nil, nil, fmt.Errorf("open %s: no such file or directory", f)
		}
		details.ConfigFiles = append(details.ConfigFiles, types.ConfigFile{Filename: f, Content: raw})
	}
	var unset []string
	record := func(sub string, m template.Mapping, cfg *template.Config) (string, error) {
		value, applied, err := template.DefaultReplacementAppliedFunc(sub, m, cfg)
		if err == nil && !applied {
			unset = appendUnique(unset, templateVarName(sub))
		}
		return value, err
	}
	project, err := loader.LoadWithContext(ctx, details, func(o *loader.Options) {
		if name != "" {
			o.SetProjectName(name, true)
		} else {
			o.SetProjectName(loader.NormalizeProjectName(pathBase(workDir)), false)
		}
		// env_file and include name files in the container, which
		// compose-go would look for on this machine.
		o.SkipResolveEnvironment = true
		o.SkipInclude = true
		o.ResolvePaths = false
		o.Interpolate.Substitute = func(s string, m template.Mapping) (string, error) {
			return template.SubstituteWithOptions(s, m, template.WithoutLogging, template.WithReplacementFunction(record))
		}
	})
	if err != nil {
		return nil, unset, err
	}
	spec := &composeSpec{Name: project.Name, Services: map[string]composeServiceSpec{}}
	for svcName, svc := range project.Services {
		if svc.Image == "" {
			return nil, unset, fmt.Errorf("service %q: building images is not supported by the simulator; use an image", svcName)
		}
		if !validImageRef(svc.Image) {
			return nil, unset, fmt.Errorf("service %q: invalid reference format: %q", svcName, svc.Image)
		}
		out := composeServiceSpec{Image: svc.Image, Restart: svc.Restart, ContainerName: svc.ContainerName, Environment: map[string]string{}}
		out.HealthInterval, out.Healthcheck = healthInterval(svc.HealthCheck)
		for _, p := range svc.Ports {
			published := 0
			_, _ = fmt.Sscan(p.Published, &published) // not a number: not published
			if published != 0 && svc.NetworkMode != "host" {
				out.Ports = append(out.Ports, publishPort{Published: published, Target: int(p.Target), Protocol: p.Protocol})
			}
		}
		for _, v := range svc.Volumes {
			if v.Type == types.VolumeTypeVolume && v.Source != "" {
				out.NamedVolumes = append(out.NamedVolumes, v.Source)
			}
		}
		for dep := range svc.DependsOn {
			out.DependsOn = append(out.DependsOn, dep)
		}
		sort.Strings(out.DependsOn)
		for k, v := range svc.Environment {
			if v != nil {
				out.Environment[k] = *v
			}
		}
		spec.Services[svcName] = out
	}
	spec.Order = dependencyOrder(spec.Services)
	// docker compose config writes every $ of the interpolated model back
	// as $$ (escapeDollarSign in compose's cmd/compose/config.go).
	out, _ := project.MarshalYAML()
	spec.Config = bytes.ReplaceAll(out, []byte("$"), []byte("$$"))
	return spec, unset, nil
}

// templateVarName is the variable a "$NAME" or "${NAME...}" match names.
func templateVarName(sub string) string {
	sub = strings.TrimPrefix(strings.TrimPrefix(sub, "$"), "{")
	end := 0
	for end < len(sub) && (sub[end] == '_' || sub[end] >= 'a' && sub[end] <= 'z' || sub[end] >= 'A' && sub[end] <= 'Z' ||
		end > 0 && sub[end] >= '0' && sub[end] <= '9') {
		end++
	}
	return sub[:end]
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func pathBase(p string) string {
	p = strings.TrimRight(p, "/")
	return p[strings.LastIndex(p, "/")+1:]
}

// dependencyOrder puts every service after the ones it depends on, names
// sorted among equals, as compose creates them.
func dependencyOrder(services map[string]composeServiceSpec) []string {
	names := make([]string, 0, len(services))
	for n := range services {
		names = append(names, n)
	}
	sort.Strings(names)
	var order []string
	done := map[string]bool{}
	var visit func(string)
	visit = func(n string) {
		if done[n] {
			return
		}
		done[n] = true
		for _, d := range services[n].DependsOn {
			if _, ok := services[d]; ok {
				visit(d)
			}
		}
		order = append(order, n)
	}
	for _, n := range names {
		visit(n)
	}
	return order
}

func nowRFC3339() string { return time.Now().UTC().Format(time.RFC3339) }
