package pvesim

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

var defaultComposeFiles = []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}

var topLevelKeys = map[string]bool{"version": true, "name": true, "services": true, "networks": true, "volumes": true, "configs": true, "secrets": true, "include": true}

// serviceKeys are the compose-spec service attributes; anything else is
// rejected as compose does ("Additional property ... is not allowed").
var serviceKeys = toSet("annotations attach blkio_config build cap_add cap_drop cgroup cgroup_parent command configs container_name cpu_count cpu_percent cpu_period cpu_quota cpu_rt_period cpu_rt_runtime cpu_shares cpus cpuset credential_spec depends_on deploy develop device_cgroup_rules devices dns dns_opt dns_search domainname entrypoint env_file environment expose extends external_links extra_hosts gpus group_add healthcheck hostname image init ipc isolation labels label_file links logging mac_address mem_limit mem_reservation mem_swappiness memswap_limit network_mode networks oom_kill_disable oom_score_adj pid pids_limit platform ports post_start pre_stop privileged profiles pull_policy read_only restart runtime scale secrets security_opt shm_size stdin_open stop_grace_period stop_signal storage_opt sysctls tmpfs tty ulimits user userns_mode uts volumes volumes_from working_dir")

var restartPolicies = toSet("no always on-failure unless-stopped")

var projectNameRe = regexp.MustCompile(`[^a-z0-9_-]`)

func toSet(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[w] = true
	}
	return m
}

// compose runs `docker compose` (or docker-compose) subcommands.
func (s *Simulator) compose(c *shell.Call, g *guest, args []string) int {
	var files []string
	projectName, projectDir := "", ""
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		flag := args[0]
		value, hasValue := "", len(args) > 1
		if k, v, ok := strings.Cut(flag, "="); ok {
			flag, value, hasValue = k, v, true
			args = args[1:]
		} else if hasValue {
			value = args[1]
			args = args[2:]
		} else {
			args = args[1:]
		}
		switch flag {
		case "-f", "--file":
			files = append(files, value)
		case "-p", "--project-name":
			projectName = value
		case "--project-directory":
			projectDir = value
		case "--env-file", "--profile", "--ansi", "--progress":
		default:
			fmt.Fprintf(c.Stderr, "unknown flag: %s\n", flag)
			return 1
		}
		_ = hasValue
	}
	if len(args) == 0 {
		fmt.Fprintln(c.Stdout, "Usage:  docker compose [OPTIONS] COMMAND")
		return 0
	}
	cmd, cmdArgs := args[0], args[1:]
	if cmd == "version" {
		fmt.Fprintf(c.Stdout, "Docker Compose version %s\n", composeVersion)
		return 0
	}
	if !dockerdRunning(g) {
		fmt.Fprintln(c.Stderr, daemonDownError)
		return 1
	}
	dir := c.Dir
	if projectDir != "" {
		dir = c.Abs(projectDir)
	}
	if len(files) == 0 {
		for _, name := range defaultComposeFiles {
			if _, err := g.RootFS.Stat(path.Join(dir, name)); err == nil {
				files = []string{path.Join(dir, name)}
				break
			}
		}
	}
	for i, f := range files {
		files[i] = c.Abs(f)
	}
	if projectName == "" && len(files) > 0 {
		projectName = path.Base(path.Dir(files[0]))
	}
	needsFile := cmd == "up" || cmd == "config" || cmd == "pull" || cmd == "create"
	if len(files) == 0 && needsFile {
		fmt.Fprintln(c.Stderr, "no configuration file provided: not found")
		return 1
	}
	var spec *composeSpec
	if len(files) > 0 {
		var err error
		spec, err = loadComposeSpec(g, files)
		if err != nil {
			fmt.Fprintln(c.Stderr, err.Error())
			return 1
		}
		if spec.Name != "" && projectName == path.Base(path.Dir(files[0])) {
			projectName = spec.Name
		}
	}
	projectName = projectNameRe.ReplaceAllString(strings.ToLower(projectName), "")
	switch cmd {
	case "up", "create":
		return s.composeUp(c, g, projectName, files, spec, cmd == "up")
	case "down":
		return composeDown(c, g, projectName, containsArg(cmdArgs, "-v", "--volumes"))
	case "ps":
		return composePS(c, g, projectName, cmdArgs)
	case "pull":
		return s.composePull(c, g, spec)
	case "config":
		raw, _ := yaml.Marshal(spec.Raw)
		_, _ = c.Stdout.Write(raw)
		return 0
	case "stop", "start", "restart":
		return composeLifecycle(c, g, projectName, cmd)
	case "logs":
		p := loadProject(g, projectName)
		if p == nil {
			return 0
		}
		for _, svc := range p.Services {
			fmt.Fprintf(c.Stdout, "%s  | %s started\n", svc.Container, svc.Name)
		}
		return 0
	}
	fmt.Fprintf(c.Stderr, "unknown docker command: \"compose %s\"\n", cmd)
	return 1
}

func containsArg(args []string, names ...string) bool {
	for _, a := range args {
		for _, n := range names {
			if a == n {
				return true
			}
		}
	}
	return false
}

// composeSpec is the part of a compose file the simulator acts on.
type composeSpec struct {
	Name     string
	Raw      map[string]any
	Services map[string]composeServiceSpec
	Order    []string
}

type composeServiceSpec struct {
	Image         string
	Restart       string
	Ports         []publishPort
	ContainerName string
	NamedVolumes  []string
	DependsOn     []string
}

// loadComposeSpec reads and validates the compose files (later files
// override earlier ones at the service level), with compose's messages.
func loadComposeSpec(g *guest, files []string) (*composeSpec, error) {
	merged := map[string]any{}
	for _, f := range files {
		raw, err := g.RootFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("open %s: no such file or directory", f)
		}
		var doc map[string]any
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		if doc == nil {
			return nil, fmt.Errorf("%s: empty compose file", f)
		}
		for k := range doc {
			if !topLevelKeys[k] && !strings.HasPrefix(k, "x-") {
				return nil, fmt.Errorf("validating %s: (root) additional properties '%s' not allowed", f, k)
			}
		}
		for k, v := range doc {
			if k == "services" || k == "volumes" || k == "networks" {
				into, _ := merged[k].(map[string]any)
				if into == nil {
					into = map[string]any{}
				}
				m, ok := v.(map[string]any)
				if v != nil && !ok {
					return nil, fmt.Errorf("validating %s: %s must be a mapping", f, k)
				}
				for name, def := range m {
					into[name] = def
				}
				merged[k] = into
				continue
			}
			merged[k] = v
		}
	}
	spec := &composeSpec{Raw: merged, Services: map[string]composeServiceSpec{}}
	spec.Name, _ = merged["name"].(string)
	services, _ := merged["services"].(map[string]any)
	volumes, _ := merged["volumes"].(map[string]any)
	networks, _ := merged["networks"].(map[string]any)
	for _, name := range sortedServiceNames(services) {
		def, ok := services[name].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("validating %s: services.%s must be a mapping", files[0], name)
		}
		svc, err := parseService(files[0], name, def, services, volumes, networks)
		if err != nil {
			return nil, err
		}
		spec.Services[name] = svc
		spec.Order = append(spec.Order, name)
	}
	return spec, nil
}

func parseService(file, name string, def, services, volumes, networks map[string]any) (composeServiceSpec, error) {
	var svc composeServiceSpec
	for k := range def {
		if !serviceKeys[k] && !strings.HasPrefix(k, "x-") {
			return svc, fmt.Errorf("validating %s: services.%s additional properties '%s' not allowed", file, name, k)
		}
	}
	svc.Image, _ = def["image"].(string)
	if svc.Image == "" {
		if _, ok := def["build"]; ok {
			return svc, fmt.Errorf("service %q: building images is not supported by the simulator; use an image", name)
		}
		return svc, fmt.Errorf("service %q has neither an image nor a build context specified: invalid compose project", name)
	}
	if !validImageRef(svc.Image) {
		return svc, fmt.Errorf("service %q: invalid reference format: %q", name, svc.Image)
	}
	svc.Restart, _ = def["restart"].(string)
	if svc.Restart != "" && !restartPolicies[strings.SplitN(svc.Restart, ":", 2)[0]] {
		return svc, fmt.Errorf("service %q: invalid restart policy: unknown policy '%s'", name, svc.Restart)
	}
	svc.ContainerName, _ = def["container_name"].(string)
	ports, _ := def["ports"].([]any)
	for _, p := range ports {
		pp, err := parsePort(p)
		if err != nil {
			return svc, fmt.Errorf("service %q: %v", name, err)
		}
		if pp.Published != 0 && def["network_mode"] != "host" {
			svc.Ports = append(svc.Ports, pp)
		}
	}
	vols, _ := def["volumes"].([]any)
	for _, v := range vols {
		source := ""
		switch t := v.(type) {
		case string:
			source = strings.SplitN(t, ":", 2)[0]
			if !strings.Contains(t, ":") {
				source = "" // an anonymous volume
			}
		case map[string]any:
			if t["type"] == "volume" || t["type"] == nil {
				source, _ = t["source"].(string)
			}
		}
		if source == "" || strings.HasPrefix(source, "/") || strings.HasPrefix(source, ".") || strings.HasPrefix(source, "~") || strings.HasPrefix(source, "$") {
			continue
		}
		if _, ok := volumes[source]; !ok {
			return svc, fmt.Errorf("service %q refers to undefined volume %s: invalid compose project", name, source)
		}
		svc.NamedVolumes = append(svc.NamedVolumes, source)
	}
	switch deps := def["depends_on"].(type) {
	case []any:
		for _, d := range deps {
			svc.DependsOn = append(svc.DependsOn, fmt.Sprint(d))
		}
	case map[string]any:
		for d := range deps {
			svc.DependsOn = append(svc.DependsOn, d)
		}
	}
	for _, d := range svc.DependsOn {
		if _, ok := services[d]; !ok {
			return svc, fmt.Errorf("service %q depends on undefined service %q: invalid compose project", name, d)
		}
	}
	var netNames []string
	switch nets := def["networks"].(type) {
	case []any:
		for _, n := range nets {
			netNames = append(netNames, fmt.Sprint(n))
		}
	case map[string]any:
		for n := range nets {
			netNames = append(netNames, n)
		}
	}
	for _, n := range netNames {
		if _, ok := networks[n]; !ok && n != "default" {
			return svc, fmt.Errorf("service %q refers to undefined network %s: invalid compose project", name, n)
		}
	}
	return svc, nil
}

var imageRefRe = regexp.MustCompile(`^[a-z0-9]+([._/-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$`)

func validImageRef(ref string) bool { return imageRefRe.MatchString(ref) }

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
		target, _ := t["target"].(int)
		out.Target = target
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

func (s *Simulator) composeUp(c *shell.Call, g *guest, name string, files []string, spec *composeSpec, start bool) int {
	if len(spec.Services) == 0 {
		fmt.Fprintln(c.Stderr, "no service selected")
		return 1
	}
	// Published ports must be free among the other projects' running services.
	used := map[int]string{}
	for _, p := range loadProjects(g) {
		if p.Name == name {
			continue
		}
		for _, svc := range p.Services {
			for _, port := range svc.Ports {
				if svc.State == "running" {
					used[port.Published] = svc.Container
				}
			}
		}
	}
	for _, svcName := range spec.Order {
		for _, port := range spec.Services[svcName].Ports {
			if _, taken := used[port.Published]; taken {
				fmt.Fprintf(c.Stderr, "Error response from daemon: driver failed programming external connectivity on endpoint %s-%s-1: Bind for 0.0.0.0:%d failed: port is already allocated\n", name, svcName, port.Published)
				return 1
			}
			used[port.Published] = svcName
		}
	}
	if code := s.composePull(c, g, spec); code != 0 {
		return code
	}
	old := loadProject(g, name)
	p := &composeProject{Name: name, WorkingDir: path.Dir(files[0]), ConfigFiles: files}
	fmt.Fprintf(c.Stderr, " Network %s_default  Creating\n Network %s_default  Created\n", name, name)
	seenVolumes := map[string]bool{}
	for _, svcName := range spec.Order {
		def := spec.Services[svcName]
		for _, v := range def.NamedVolumes {
			if !seenVolumes[v] {
				seenVolumes[v] = true
				dir := "/var/lib/docker/volumes/" + name + "_" + v + "/_data"
				if _, err := g.RootFS.Stat(dir); err != nil {
					fmt.Fprintf(c.Stderr, " Volume \"%s_%s\"  Creating\n Volume \"%s_%s\"  Created\n", name, v, name, v)
					_ = g.RootFS.MkdirAll(dir, 0o755)
				}
			}
		}
		container := def.ContainerName
		if container == "" {
			container = name + "-" + svcName + "-1"
		}
		svc := composeService{Name: svcName, Container: container, Image: def.Image, Restart: def.Restart, Ports: def.Ports, CreatedAt: time.Now(), ID: hex.EncodeToString(randomBytes(32))}
		if old != nil {
			for _, o := range old.Services {
				if o.Name == svcName && o.Image == def.Image && o.State == "running" {
					svc.ID, svc.CreatedAt, svc.StartedAt, svc.State = o.ID, o.CreatedAt, o.StartedAt, o.State
				}
			}
		}
		if svc.State == "running" {
			fmt.Fprintf(c.Stderr, " Container %s  Running\n", container)
		} else {
			fmt.Fprintf(c.Stderr, " Container %s  Creating\n Container %s  Created\n", container, container)
			svc.State = "created"
			if start {
				fmt.Fprintf(c.Stderr, " Container %s  Starting\n Container %s  Started\n", container, container)
				svc.State, svc.StartedAt = "running", time.Now()
			}
		}
		p.Services = append(p.Services, svc)
	}
	if old != nil {
		for _, o := range old.Services {
			if _, still := spec.Services[o.Name]; !still && containsArg(c.Args, "--remove-orphans") {
				fmt.Fprintf(c.Stderr, " Container %s  Removed\n", o.Container)
			} else if !still {
				p.Services = append(p.Services, o)
			}
		}
	}
	if err := c.Env.Sleep(c.Ctx, 2*time.Second); err != nil {
		return 130
	}
	saveProject(g, p)
	return 0
}

// composePull "pulls" images not yet present, which takes simulated time.
func (s *Simulator) composePull(c *shell.Call, g *guest, spec *composeSpec) int {
	have, _ := g.RootFS.ReadFile(imagesFile)
	known := toSet(string(have))
	var pulled []string
	for _, name := range spec.Order {
		img := spec.Services[name].Image
		if known[img] {
			continue
		}
		fmt.Fprintf(c.Stderr, " %s Pulling\n", name)
		if err := c.Env.Sleep(c.Ctx, 5*time.Second); err != nil {
			return 130
		}
		fmt.Fprintf(c.Stderr, " %s Pulled\n", name)
		known[img] = true
		pulled = append(pulled, img)
	}
	if len(pulled) > 0 {
		_ = g.RootFS.MkdirAll(path.Dir(imagesFile), 0o700)
		_ = g.RootFS.WriteFile(imagesFile, append(have, []byte(strings.Join(pulled, "\n")+"\n")...), 0o600)
	}
	return 0
}

func composeDown(c *shell.Call, g *guest, name string, volumes bool) int {
	p := loadProject(g, name)
	if p == nil {
		return 0
	}
	for _, svc := range p.Services {
		fmt.Fprintf(c.Stderr, " Container %s  Stopping\n Container %s  Stopped\n Container %s  Removed\n", svc.Container, svc.Container, svc.Container)
	}
	fmt.Fprintf(c.Stderr, " Network %s_default  Removed\n", name)
	if volumes {
		entries, _ := g.RootFS.ReadDir("/var/lib/docker/volumes")
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), name+"_") {
				_ = g.RootFS.RemoveAll("/var/lib/docker/volumes/" + e.Name())
				fmt.Fprintf(c.Stderr, " Volume %s  Removed\n", e.Name())
			}
		}
	}
	deleteProject(g, name)
	return 0
}

func composeLifecycle(c *shell.Call, g *guest, name, action string) int {
	p := loadProject(g, name)
	if p == nil {
		fmt.Fprintf(c.Stderr, "no container found for project %q: not found\n", name)
		return 1
	}
	for i := range p.Services {
		svc := &p.Services[i]
		switch action {
		case "stop":
			svc.State, svc.ExitCode, svc.UserStoped = "exited", 0, true
			fmt.Fprintf(c.Stderr, " Container %s  Stopped\n", svc.Container)
		default:
			svc.State, svc.StartedAt, svc.UserStoped = "running", time.Now(), false
			fmt.Fprintf(c.Stderr, " Container %s  Started\n", svc.Container)
		}
	}
	saveProject(g, p)
	return 0
}

// composePS prints the project's containers; --format json is one JSON
// object per line, as compose v2.21+ prints it.
func composePS(c *shell.Call, g *guest, name string, args []string) int {
	all := containsArg(args, "-a", "--all")
	asJSON := false
	for i, a := range args {
		if (a == "--format" && i+1 < len(args) && args[i+1] == "json") || a == "--format=json" {
			asJSON = true
		}
	}
	p := loadProject(g, name)
	if !asJSON {
		fmt.Fprintln(c.Stdout, "NAME      IMAGE     COMMAND   SERVICE   CREATED   STATUS    PORTS")
	}
	if p == nil {
		return 0
	}
	for _, svc := range p.Services {
		if svc.State != "running" && !all {
			continue
		}
		status := "Up " + humanAge(time.Since(svc.StartedAt))
		if svc.State != "running" {
			status = fmt.Sprintf("Exited (%d) %s ago", svc.ExitCode, humanAge(time.Since(svc.StartedAt)))
		}
		if !asJSON {
			fmt.Fprintf(c.Stdout, "%s   %s   \"/entrypoint\"   %s   %s   %s   %s\n", svc.Container, svc.Image, svc.Name, humanAge(time.Since(svc.CreatedAt))+" ago", status, portsText(svc.Ports))
			continue
		}
		publishers := []map[string]any{}
		for _, port := range svc.Ports {
			publishers = append(publishers, map[string]any{"URL": "0.0.0.0", "TargetPort": port.Target, "PublishedPort": port.Published, "Protocol": port.Protocol})
		}
		line, _ := json.Marshal(map[string]any{
			"ID": svc.ID[:12], "Name": svc.Container, "Image": svc.Image, "Command": "\"/entrypoint\"",
			"Project": p.Name, "Service": svc.Name, "Created": svc.CreatedAt.Unix(), "State": svc.State,
			"Status": status, "Health": "", "ExitCode": svc.ExitCode, "Publishers": publishers,
			"Labels": "com.docker.compose.project=" + p.Name + ",com.docker.compose.service=" + svc.Name,
		})
		fmt.Fprintln(c.Stdout, string(line))
	}
	return 0
}

func humanAge(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d seconds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d minutes", int(d.Minutes()))
	}
	return fmt.Sprintf("%d hours", int(d.Hours()))
}
