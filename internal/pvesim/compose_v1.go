package pvesim

import (
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Compose v1 (docker-compose 1.29.2, Debian 12's and Ubuntu 24.04's
// docker-compose package) validates against its own compose_spec.json, which
// predates the Compose Specification's top-level `name` and the
// `depends_on` options `required` and `restart`. Its order and messages
// (compose/config/config.py load, validation.py) are kept: interpolation
// first, then the schema, then the consistency checks.

// v1TopLevel and v1ServiceKeys are the properties of 1.29.2's compose_spec.json.
var (
	v1TopLevel    = toSet("configs networks secrets services version volumes")
	v1ServiceKeys = toSet("blkio_config build cap_add cap_drop cgroup_parent command configs container_name cpu_count cpu_percent cpu_period " +
		"cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset credential_spec depends_on deploy device_cgroup_rules devices dns dns_opt " +
		"dns_search domainname entrypoint env_file environment expose extends external_links extra_hosts group_add healthcheck hostname image init ipc " +
		"isolation labels links logging mac_address mem_limit mem_reservation mem_swappiness memswap_limit network_mode networks oom_kill_disable " +
		"oom_score_adj pid pids_limit platform ports privileged profiles pull_policy read_only restart runtime scale secrets security_opt shm_size " +
		"stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits user userns_mode volumes volumes_from working_dir")
)

const v1VersionHint = "\n\nYou might be seeing this error because you're using the wrong Compose file version. Either specify a supported version " +
	"(e.g \"2.2\" or \"3.3\") and place your service definitions under the `services` key, or omit the `version` key and place your service " +
	"definitions at the root of the file to use version 1.\nFor more on the Compose file format versions, see " +
	"https://docs.docker.com/compose/compose-file/"

func toSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// loadComposeV1 loads the files as docker-compose 1.29.2 does; shown are
// the file names as v1 prints them. It returns the unset variables v1
// warns about, in order.
func loadComposeV1(g *guest, files, shown []string, env map[string]string) (*composeSpec, []string, error) {
	var unset []string
	merged := map[string]any{}
	for i, f := range files {
		raw, _ := g.RootFS.ReadFile(f)
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			return nil, unset, fmt.Errorf("yaml.parser.ParserError: %v\n  in %q", err, shown[i])
		}
		if doc == nil {
			return nil, unset, fmt.Errorf("Top level object in '%s' needs to be an object not '<class 'NoneType'>'.", shown[i])
		}
		for _, section := range []string{"services", "volumes", "networks", "secrets", "configs"} {
			entries, _ := doc[section].(map[string]any)
			singular := strings.TrimSuffix(section, "s")
			for _, owner := range sortedKeys(entries) {
				def, ok := entries[owner].(map[string]any)
				if !ok {
					continue
				}
				for _, option := range sortedKeys(def) {
					v, err := interpolateV1Value(def[option], env, &unset, option, singular, owner)
					if err != nil {
						return nil, unset, err
					}
					def[option] = v
				}
			}
		}
		if err := validateV1(doc, shown[i]); err != nil {
			return nil, unset, err
		}
		for k, v := range doc {
			into, _ := merged[k].(map[string]any)
			if m, ok := v.(map[string]any); ok && into != nil {
				for name, def := range m {
					into[name] = def
				}
				continue
			}
			merged[k] = v
		}
	}
	spec, err := v1Project(merged)
	if err != nil {
		return nil, unset, err
	}
	if _, ok := merged["version"]; !ok {
		merged["version"] = "3.9"
	}
	spec.Config = v1ConfigYAML(merged)
	return spec, unset, nil
}

// validateV1 is the schema check: every problem of the file, top level first.
func validateV1(doc map[string]any, shown string) error {
	var problems []string
	for _, k := range sortedKeys(doc) {
		if !v1TopLevel[k] && !strings.HasPrefix(k, "x-") {
			problems = append(problems, fmt.Sprintf("'%s' does not match any of the regexes: '^x-'%s", k, v1VersionHint))
		}
	}
	services, _ := doc["services"].(map[string]any)
	for _, name := range sortedKeys(services) {
		def, _ := services[name].(map[string]any)
		for _, k := range sortedKeys(def) {
			if !v1ServiceKeys[k] && !strings.HasPrefix(k, "x-") {
				problems = append(problems, fmt.Sprintf("Unsupported config option for services.%s: '%s'", name, k))
			}
		}
		deps, _ := def["depends_on"].(map[string]any)
		for _, dep := range sortedKeys(deps) {
			opts, _ := deps[dep].(map[string]any)
			for _, o := range sortedKeys(opts) {
				if o != "condition" {
					problems = append(problems, fmt.Sprintf("services.%s.depends_on contains unsupported option: '%s'", name, o))
				}
			}
			if _, ok := opts["condition"]; !ok && len(opts) == 0 {
				problems = append(problems, fmt.Sprintf("services.%s.depends_on 'condition' is a required property", name))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return fmt.Errorf("The Compose file '%s' is invalid because:\n%s", shown, strings.Join(problems, "\n"))
}

// v1Project turns the validated document into the engine's model, with
// v1's consistency messages.
func v1Project(doc map[string]any) (*composeSpec, error) {
	spec := &composeSpec{Services: map[string]composeServiceSpec{}}
	services, _ := doc["services"].(map[string]any)
	volumes, _ := doc["volumes"].(map[string]any)
	for _, name := range sortedKeys(services) {
		def, _ := services[name].(map[string]any)
		svc := composeServiceSpec{Environment: map[string]string{}}
		svc.Image, _ = def["image"].(string)
		if svc.Image == "" {
			if _, ok := def["build"]; !ok {
				return nil, fmt.Errorf("The Compose file is invalid because:\nService %s has neither an image nor a build context specified. "+
					"At least one must be provided.", name)
			}
			return nil, fmt.Errorf("service %q: building images is not supported by the simulator; use an image", name)
		}
		svc.Restart, _ = def["restart"].(string)
		svc.HealthInterval, svc.Healthcheck = healthIntervalV1(def["healthcheck"])
		svc.ContainerName, _ = def["container_name"].(string)
		ports, _ := def["ports"].([]any)
		for _, p := range ports {
			pp, err := parsePort(p)
			if err != nil {
				return nil, fmt.Errorf("The Compose file is invalid because:\nservices.%s.ports contains an invalid type, it should be a number, or an object",
					name)
			}
			if pp.Published != 0 && def["network_mode"] != "host" {
				svc.Ports = append(svc.Ports, pp)
			}
		}
		vols, _ := def["volumes"].([]any)
		for _, v := range vols {
			s, ok := v.(string)
			if !ok {
				continue
			}
			source, _, hasTarget := strings.Cut(s, ":")
			if !hasTarget || strings.HasPrefix(source, "/") || strings.HasPrefix(source, ".") || strings.HasPrefix(source, "~") {
				continue
			}
			if _, ok := volumes[source]; !ok {
				spec := s
				if strings.Count(s, ":") == 1 {
					spec += ":rw"
				}
				return nil, fmt.Errorf("Named volume %q is used in service %q but no declaration was found in the volumes section.", spec, name)
			}
			svc.NamedVolumes = append(svc.NamedVolumes, source)
		}
		switch deps := def["depends_on"].(type) {
		case []any:
			for _, d := range deps {
				svc.DependsOn = append(svc.DependsOn, fmt.Sprint(d))
			}
		case map[string]any:
			svc.DependsOn = sortedKeys(deps)
		}
		for _, d := range svc.DependsOn {
			if _, ok := services[d]; !ok {
				return nil, fmt.Errorf("Service '%s' depends on service '%s' which is undefined.", name, d)
			}
		}
		switch envs := def["environment"].(type) {
		case map[string]any:
			for k, v := range envs {
				if v != nil {
					svc.Environment[k] = fmt.Sprint(v)
				}
			}
		case []any:
			for _, e := range envs {
				if k, v, ok := strings.Cut(fmt.Sprint(e), "="); ok {
					svc.Environment[k] = v
				}
			}
		}
		spec.Services[name] = svc
	}
	spec.Order = dependencyOrder(spec.Services)
	return spec, nil
}

// v1ConfigYAML is `docker-compose config`: keys sorted, and every $ of a
// value written back as $$ (compose/config/serialize.py escapes them).
func v1ConfigYAML(doc map[string]any) []byte {
	var escape func(any) any
	escape = func(v any) any {
		switch t := v.(type) {
		case string:
			return strings.ReplaceAll(t, "$", "$$")
		case map[string]any:
			out := map[string]any{}
			for k, x := range t {
				out[k] = escape(x)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, x := range t {
				out[i] = escape(x)
			}
			return out
		}
		return v
	}
	out, _ := yaml.Marshal(escape(doc))
	return out
}

// parsePort reads "8080:80", "127.0.0.1:8080:80/udp", "80" or the long syntax.
func parsePort(p any) (publishPort, error) {
	out := publishPort{Protocol: "tcp"}
	switch t := p.(type) {
	case int:
		out.Target = t
		return out, nil
	case string:
		spec := t
		if base, proto, ok := strings.Cut(spec, "/"); ok {
			spec, out.Protocol = base, proto
		}
		parts := strings.Split(spec, ":")
		var err error
		switch len(parts) {
		case 1:
			out.Target, err = strconv.Atoi(parts[0])
		case 2:
			out.Published, err = strconv.Atoi(parts[0])
			if err == nil {
				out.Target, err = strconv.Atoi(parts[1])
			}
		case 3:
			out.Published, err = strconv.Atoi(parts[1])
			if err == nil {
				out.Target, err = strconv.Atoi(parts[2])
			}
		default:
			err = fmt.Errorf("bad port")
		}
		if err != nil || out.Target < 1 || out.Target > 65535 || out.Published < 0 || out.Published > 65535 {
			return out, fmt.Errorf("invalid port specification: %q", t)
		}
		return out, nil
	case map[string]any:
		out.Target, _ = t["target"].(int)
		switch pub := t["published"].(type) {
		case int:
			out.Published = pub
		case string:
			out.Published, _ = strconv.Atoi(pub)
		}
		if proto, ok := t["protocol"].(string); ok {
			out.Protocol = proto
		}
		if out.Target == 0 {
			return out, fmt.Errorf("invalid port specification: target is required")
		}
		return out, nil
	}
	return out, fmt.Errorf("invalid port specification: %v", p)
}
