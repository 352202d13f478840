package pvesim

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// composeCLI is one compose program as a package installed it: the Go
// Compose v2 (Alpine's docker-cli-compose, Debian 13's docker-compose,
// Ubuntu's docker-compose-v2, Docker's docker-compose-plugin) or the python
// Compose 1.29.2 (Debian 12's and Ubuntu 24.04's docker-compose).
type composeCLI struct {
	g       *guest
	clk     clock // the simulator's, for health timing
	pkg     distroPackage
	v1      bool
	c       *shell.Call
	files   []string // absolute paths
	shown   []string // the paths as given, for v1's messages
	name    string   // -p
	workDir string
	envFile string
}

// composeOptions are the global options before the subcommand.
type composeOptions struct {
	files      []string
	name       string
	projectDir string
	envFile    string
}

// compose runs `docker compose` or docker-compose with the package's rules.
func (s *Simulator) compose(c *shell.Call, g *guest, pkg distroPackage, plugin bool, args []string) int {
	cli := &composeCLI{g: g, clk: s.clock, pkg: pkg, v1: pkg.ComposeV1, c: c}
	opts, rest, code := cli.parseOptions(args)
	if code >= 0 {
		return code
	}
	if len(rest) == 0 {
		if plugin {
			fmt.Fprintln(c.Stdout, "Usage:  docker compose [OPTIONS] COMMAND")
		} else {
			fmt.Fprintln(c.Stdout, "Usage:  docker-compose [OPTIONS] COMMAND")
		}
		return 0
	}
	cmd, cmdArgs := rest[0], rest[1:]
	if cmd == "version" {
		return cli.version(cmdArgs)
	}
	if !cli.knownCommand(cmd) {
		return cli.unknownCommand(cmd)
	}
	flags, services, code := cli.parseCommandArgs(cmd, cmdArgs)
	if code >= 0 {
		return code
	}
	var spec *composeSpec
	if !cli.v1 && opts.name != "" && len(opts.files) == 0 && projectOnly[cmd] && !cli.hasDefaultFile(opts) {
		// Compose v2 finds a project's containers by its name alone.
		spec = &composeSpec{Name: opts.name, Services: map[string]composeServiceSpec{}}
		if p := loadProject(g, opts.name); p != nil {
			for _, svc := range p.Services {
				spec.Services[svc.Name] = composeServiceSpec{Image: svc.Image}
				spec.Order = append(spec.Order, svc.Name)
			}
		}
	} else {
		if code := cli.resolveFiles(opts); code >= 0 {
			return code
		}
		if spec, code = cli.load(c); code >= 0 {
			return code
		}
	}
	if cmd == "config" {
		return cli.config(spec, flags)
	}
	if !dockerdRunning(g) {
		return cli.daemonDown()
	}
	defer s.pokeNetwork() // up, down, stop, start change the served ports
	for _, svc := range services {
		if _, ok := spec.Services[svc]; !ok && cmd != "ps" && cmd != "logs" {
			return cli.noSuchService(svc)
		}
	}
	switch cmd {
	case "up", "create":
		return s.composeUp(cli, spec, services, flags, cmd == "up")
	case "pull":
		return s.composePull(cli, spec, services)
	case "down":
		return cli.down(spec, flags["volumes"])
	case "ps":
		return cli.ps(spec, services, flags)
	case "stop", "start", "restart":
		return cli.lifecycle(spec, cmd, services)
	case "logs":
		return cli.logs(spec, services)
	}
	return cli.unknownCommand(cmd)
}

// projectOnly are the v2 commands that need no compose file with -p.
var projectOnly = map[string]bool{"down": true, "logs": true, "ps": true, "restart": true, "start": true, "stop": true}

// hasDefaultFile tells whether the project directory has a compose file.
func (cli *composeCLI) hasDefaultFile(o composeOptions) bool {
	dir := cli.c.Dir
	if o.projectDir != "" {
		dir = cli.c.Abs(o.projectDir)
	}
	for _, n := range []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"} {
		if _, err := cli.g.RootFS.Stat(path.Join(dir, n)); err == nil {
			return true
		}
	}
	return false
}

var composeCommands = []string{"config", "create", "down", "logs", "ps", "pull", "restart", "start", "stop", "up", "version"}

func (cli *composeCLI) knownCommand(cmd string) bool { return slices.Contains(composeCommands, cmd) }

// parseOptions reads the global options; code is an exit status when the
// options themselves are wrong, -1 otherwise.
func (cli *composeCLI) parseOptions(args []string) (composeOptions, []string, int) {
	var o composeOptions
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		flag, value, inline := strings.Cut(args[0], "=")
		takesValue := map[string]bool{"-f": true, "--file": true, "-p": true, "--project-name": true,
			"--project-directory": true, "--env-file": true, "--profile": true, "--ansi": true,
			"--progress": true, "--log-level": true, "-H": true, "--host": true, "--context": true, "-c": true}[flag]
		args = args[1:]
		if takesValue && !inline {
			if len(args) == 0 {
				fmt.Fprintf(cli.c.Stderr, "flag needs an argument: %s\n", flag)
				return o, nil, 1
			}
			value, args = args[0], args[1:]
		}
		switch flag {
		case "-f", "--file":
			o.files = append(o.files, value)
		case "-p", "--project-name":
			o.name = value
		case "--project-directory":
			o.projectDir = value
		case "--env-file":
			o.envFile = value
		case "--no-ansi", "--verbose", "--compatibility", "--dry-run", "--profile", "--ansi", "--progress", "--log-level", "-H", "--host", "--context",
			"-c":
		default:
			if cli.v1 {
				// docopt prints the usage and exits with status 0.
				fmt.Fprintln(cli.c.Stderr,
					"Define and run multi-container applications with Docker.\n\nUsage:\n  docker-compose [-f <arg>...] [--profile <name>...] [options] [--] "+
						"[COMMAND] [ARGS...]\n  docker-compose -h|--help")
				return o, nil, 0
			}
			fmt.Fprintf(cli.c.Stderr, "unknown flag: %s\n", flag)
			return o, nil, 1
		}
	}
	return o, args, -1
}

// resolveFiles finds the compose files: -f, else the first default name in
// the project directory (v1 also searches the parent directories).
func (cli *composeCLI) resolveFiles(o composeOptions) int {
	dir := cli.c.Dir
	if o.projectDir != "" {
		dir = cli.c.Abs(o.projectDir)
	}
	for _, f := range o.files {
		cli.files = append(cli.files, cli.c.Abs(f))
		shown := f
		if cli.v1 && !path.IsAbs(f) {
			shown = "./" + f
		}
		cli.shown = append(cli.shown, shown)
	}
	if len(cli.files) == 0 {
		names := []string{"compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml"}
		if cli.v1 {
			names = []string{"docker-compose.yml", "docker-compose.yaml", "compose.yml", "compose.yaml"}
		}
		for d := dir; cli.files == nil; d = path.Dir(d) {
			for _, n := range names {
				if _, err := cli.g.RootFS.Stat(path.Join(d, n)); err == nil {
					cli.files, cli.shown = []string{path.Join(d, n)}, []string{"./" + n}
					break
				}
			}
			if d == "/" || !cli.v1 {
				break
			}
		}
	}
	if len(cli.files) == 0 {
		if cli.v1 {
			fmt.Fprintln(cli.c.Stderr,
				"\n        Can't find a suitable configuration file in this directory or any\n        parent. Are you in the right directory?\n\n"+
					"        Supported filenames: docker-compose.yml, docker-compose.yaml, compose.yml, compose.yaml\n        ")
			return 1
		}
		fmt.Fprintln(cli.c.Stderr, "no configuration file provided: not found")
		return 1
	}
	for i, f := range cli.files {
		if _, err := cli.g.RootFS.Stat(f); err != nil {
			if cli.v1 {
				fmt.Fprintf(cli.c.Stderr, ".FileNotFoundError: [Errno 2] No such file or directory: '%s'\n", cli.shown[i])
				return 1
			}
			fmt.Fprintf(cli.c.Stderr, "open %s: no such file or directory\n", f)
			return 1
		}
	}
	cli.workDir = path.Dir(cli.files[0])
	if o.projectDir != "" {
		cli.workDir = dir
	}
	cli.name, cli.envFile = o.name, o.envFile
	return -1
}

// load reads, interpolates and validates the files the way this compose does.
func (cli *composeCLI) load(c *shell.Call) (*composeSpec, int) {
	env := composeEnvironment(cli.g, c.Environ, cli.workDir, cli.envFile)
	if cli.v1 {
		spec, warnings, err := loadComposeV1(cli.g, cli.files, cli.shown, env)
		for _, w := range warnings {
			fmt.Fprintf(c.Stderr, "The %s variable is not set. Defaulting to a blank string.\n", w)
		}
		if err != nil {
			fmt.Fprintln(c.Stderr, err.Error())
			return nil, 1
		}
		spec.Name = composeV1ProjectName(cli.name, env, cli.workDir)
		return spec, -1
	}
	spec, warnings, err := loadComposeV2(c.Ctx, cli.g, cli.files, cli.workDir, cli.name, env)
	for _, w := range warnings {
		// Compose v2 logs through logrus, whose text format without a
		// terminal is logfmt.
		fmt.Fprintf(c.Stderr, "time=%q level=warning msg=%q\n", nowRFC3339(), fmt.Sprintf("The %q variable is not set. Defaulting to a blank string.", w))
	}
	if err != nil {
		fmt.Fprintln(c.Stderr, err.Error())
		return nil, 1
	}
	return spec, -1
}

var v1ProjectNameRe = regexp.MustCompile(`[^-_a-z0-9]`)

// composeV1ProjectName is v1's get_project_name: -p, COMPOSE_PROJECT_NAME,
// else the project directory's name, lower-cased with other characters
// dropped.
func composeV1ProjectName(flag string, env map[string]string, workDir string) string {
	name := flag
	if name == "" {
		name = env["COMPOSE_PROJECT_NAME"]
	}
	if name == "" {
		name = path.Base(workDir)
	}
	name = v1ProjectNameRe.ReplaceAllString(strings.ToLower(name), "")
	if name == "" {
		return "default"
	}
	return name
}

func (cli *composeCLI) version(args []string) int {
	v := cli.pkg.ComposeVersion
	short := slices.Contains(args, "--short")
	switch {
	case cli.v1 && short:
		fmt.Fprintln(cli.c.Stdout, v)
	case cli.v1:
		fmt.Fprintf(cli.c.Stdout,
			"docker-compose version %s, build unknown\ndocker-py version: 5.0.3\nCPython version: 3.11.2\nOpenSSL version: OpenSSL 3.0.17 1 Jul 2025\n", v)
	case short:
		fmt.Fprintln(cli.c.Stdout, strings.TrimPrefix(v, "v"))
	default:
		fmt.Fprintf(cli.c.Stdout, "Docker Compose version %s\n", v)
	}
	return 0
}

func (cli *composeCLI) unknownCommand(cmd string) int {
	if cli.v1 {
		fmt.Fprintf(cli.c.Stderr, "No such command: %s\n\nCommands:\n", cmd)
		for _, name := range composeCommands {
			fmt.Fprintf(cli.c.Stderr, "  %s\n", name)
		}
		return 1
	}
	fmt.Fprintf(cli.c.Stderr, "unknown docker command: \"compose %s\"\n", cmd)
	return 1
}

func (cli *composeCLI) noSuchService(name string) int {
	if cli.v1 {
		fmt.Fprintf(cli.c.Stderr, "No such service: %s\n", name)
		return 1
	}
	fmt.Fprintf(cli.c.Stderr, "no such service: %s\n", name)
	return 1
}

// daemonDown is what each compose prints without a daemon: v2 the CLI's
// message, Debian's v1 the traceback docker-py raises.
func (cli *composeCLI) daemonDown() int {
	if cli.v1 {
		fmt.Fprintln(cli.c.Stderr,
			"Traceback (most recent call last):\n  File \"/usr/bin/docker-compose\", line 33, in <module>\n"+
				"    sys.exit(load_entry_point('docker-compose==1.29.2', 'console_scripts', 'docker-compose')())\n"+
				"docker.errors.DockerException: Error while fetching server API version: ('Connection aborted.', FileNotFoundError(2, 'No such file or "+
				"directory'))")
		return 1
	}
	fmt.Fprintln(cli.c.Stderr, daemonDownError)
	return 1
}

// parseCommandArgs splits a subcommand's flags from its services. Compose v1
// (docopt) answers an option it does not know with the command's usage on
// stderr and exit status 0; v2 (cobra) with "unknown flag" and status 1.
func (cli *composeCLI) parseCommandArgs(cmd string, args []string) (map[string]string, []string, int) {
	valued := map[string]string{"--format": "format", "--tail": "tail", "-t": "timeout", "--timeout": "timeout",
		"--filter": "filter", "--status": "status", "--pull": "pull", "--wait-timeout": "wait-timeout"}
	switches := map[string]string{"-d": "detach", "--detach": "detach", "-a": "all", "--all": "all", "-q": "quiet",
		"--quiet": "quiet", "--services": "services", "-v": "volumes", "--volumes": "volumes",
		"--remove-orphans": "remove-orphans", "--force-recreate": "force-recreate", "--no-deps": "no-deps",
		"--wait": "wait", "-f": "follow", "--follow": "follow", "--no-color": "no-color", "--build": "build",
		"--quiet-pull": "quiet-pull", "--no-start": "no-start", "--no-recreate": "no-recreate"}
	// What v1 1.29.2 lacks that v2 has.
	v2Only := map[string]bool{"--format": true, "--status": true, "--wait": true, "--wait-timeout": true, "--pull": true, "--dry-run": true}
	flags := map[string]string{}
	var services []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			services = append(services, a)
			continue
		}
		name, value, inline := strings.Cut(a, "=")
		if cli.v1 && v2Only[name] {
			fmt.Fprint(cli.c.Stderr, composeV1Usage(cmd))
			return nil, nil, 0
		}
		if key, ok := valued[name]; ok {
			if !inline {
				if i+1 >= len(args) {
					fmt.Fprintf(cli.c.Stderr, "flag needs an argument: %s\n", name)
					return nil, nil, 1
				}
				i++
				value = args[i]
			}
			flags[key] = value
			continue
		}
		if key, ok := switches[name]; ok {
			flags[key] = "true"
			continue
		}
		if cli.v1 {
			fmt.Fprint(cli.c.Stderr, composeV1Usage(cmd))
			return nil, nil, 0
		}
		fmt.Fprintf(cli.c.Stderr, "unknown flag: %s\n", name)
		return nil, nil, 1
	}
	return flags, services, -1
}

// composeV1Usage is the docstring docopt prints for a v1 subcommand.
func composeV1Usage(cmd string) string {
	if cmd == "ps" {
		return "List containers.\n\nUsage: ps [options] [--] [SERVICE...]\n\nOptions:\n    -q, --quiet          Only display IDs\n" +
			"    --services           Display services\n    --filter KEY=VAL     Filter services by a property\n" +
			"    -a, --all            Show all stopped containers (including those created by the run command)\n"
	}
	return fmt.Sprintf("Usage: %s [options] [--] [SERVICE...]\n", cmd)
}
