package pvesim

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// Listing containers: `docker ps`, Compose v2's `ps` (table and --format
// json, one object per line as v2.21+ prints it) and Compose v1's `ps`
// (a texttable, every container of the project, State "Up", "Exit 1",
// "Restarting"). All read the same engine state.

// dockerStatus is the STATUS column of docker ps and compose v2 ps.
func dockerStatus(svc composeService, clk clock) string {
	switch svc.State {
	case "running":
		return "Up " + humanDuration(time.Since(svc.StartedAt)) + healthSuffix(svc, clk)
	case "restarting":
		// dockerd restarts it with a growing back-off; ps shows the time
		// since the last exit within the current back-off period.
		return fmt.Sprintf("Restarting (%d) %s ago", svc.ExitCode, humanDuration(time.Since(svc.FinishedAt)%(10*time.Second)+time.Second))
	case "created":
		return "Created"
	}
	return fmt.Sprintf("Exited (%d) %s ago", svc.ExitCode, humanDuration(time.Since(svc.FinishedAt)))
}

// humanDuration is go-units' HumanDuration, which docker's status uses.
func humanDuration(d time.Duration) string {
	switch seconds := int(d.Seconds()); {
	case seconds < 1:
		return "Less than a second"
	case seconds == 1:
		return "1 second"
	case seconds < 60:
		return fmt.Sprintf("%d seconds", seconds)
	}
	switch minutes := int(d.Minutes()); {
	case minutes == 1:
		return "About a minute"
	case minutes < 60:
		return fmt.Sprintf("%d minutes", minutes)
	}
	switch hours := int(d.Hours() + 0.5); {
	case hours == 1:
		return "About an hour"
	case hours < 48:
		return fmt.Sprintf("%d hours", hours)
	default:
		return fmt.Sprintf("%d days", hours/24)
	}
}

func listedByDefault(svc composeService) bool {
	return svc.State == "running" || svc.State == "restarting"
}

// dockerPS is `docker ps [-a] [-q] [--format '{{.Names}}'|json]`.
func dockerPS(c *shell.Call, g *guest, args []string, clk clock) int {
	all, quiet, format := false, false, ""
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "-a" || a == "--all":
			all = true
		case a == "-q" || a == "--quiet":
			quiet = true
		case a == "-aq" || a == "-qa":
			all, quiet = true, true
		case a == "--format" && i+1 < len(args):
			i++
			format = args[i]
		case strings.HasPrefix(a, "--format="):
			format = strings.TrimPrefix(a, "--format=")
		default:
			fmt.Fprintf(c.Stderr, "unknown flag: %s\nSee 'docker ps --help'.\n", a)
			return 125
		}
	}
	tw := tabwriter.NewWriter(c.Stdout, 10, 1, 3, ' ', 0)
	if !quiet && format == "" {
		fmt.Fprintln(tw, "CONTAINER ID\tIMAGE\tCOMMAND\tCREATED\tSTATUS\tPORTS\tNAMES")
	}
	for _, p := range loadProjects(g) {
		for _, svc := range p.Services {
			if !all && !listedByDefault(svc) {
				continue
			}
			switch {
			case quiet:
				fmt.Fprintln(tw, svc.ID[:12])
			case format == "json":
				line, _ := json.Marshal(map[string]string{"ID": svc.ID[:12], "Image": svc.Image, "Names": svc.Container,
					"State": svc.State, "Status": dockerStatus(svc, clk), "Ports": portsText(svc.Ports), "Command": `"` + imageCommand(svc.Image) + `"`,
					"Labels": "com.docker.compose.project=" + p.Name + ",com.docker.compose.service=" + svc.Name})
				fmt.Fprintln(tw, string(line))
			case format != "":
				line := dockerLabels(format, map[string]string{"com.docker.compose.project": p.Name, "com.docker.compose.service": svc.Name})
				r := strings.NewReplacer("{{.ID}}", svc.ID[:12], "{{.Names}}", svc.Container, "{{.Image}}", svc.Image,
					"{{.State}}", svc.State, "{{.Status}}", dockerStatus(svc, clk), "{{.Ports}}", portsText(svc.Ports), "\\t", "\t")
				fmt.Fprintln(tw, r.Replace(line))
			default:
				cmd := imageCommand(svc.Image)
				if len(cmd) > 20 {
					cmd = cmd[:19] + "…"
				}
				fmt.Fprintf(tw, "%s\t%s\t%q\t%s ago\t%s\t%s\t%s\n", svc.ID[:12], svc.Image, cmd, humanDuration(time.Since(svc.CreatedAt)), dockerStatus(svc, clk),
					portsText(svc.Ports), svc.Container)
			}
		}
	}
	_ = tw.Flush()
	return 0
}

// ps is compose's ps for the project.
func (cli *composeCLI) ps(spec *composeSpec, services []string, flags map[string]string) int {
	p := loadProject(cli.g, spec.Name)
	var list []composeService
	if p != nil {
		for _, svc := range p.Services {
			if len(services) > 0 && !slices.Contains(services, svc.Name) {
				continue
			}
			// v1 lists every container of the project; v2 the running
			// ones unless --all.
			if cli.v1 || flags["all"] != "" || listedByDefault(svc) {
				list = append(list, svc)
			}
		}
	}
	switch {
	case flags["services"] != "":
		for _, svc := range list {
			fmt.Fprintln(cli.c.Stdout, svc.Name)
		}
	case flags["quiet"] != "":
		for _, svc := range list {
			fmt.Fprintln(cli.c.Stdout, svc.ID)
		}
	case cli.v1:
		rows := [][]string{{"Name", "Command", "State", "Ports"}}
		for _, svc := range list {
			cmd := imageCommand(svc.Image)
			if len(cmd) > 30 {
				cmd = cmd[:26] + " ..."
			}
			// compose/container.py human_readable_state and
			// human_readable_health_status: "Up (health: starting)".
			state := map[string]string{"running": "Up" + healthSuffix(svc, cli.clk), "restarting": "Restarting"}[svc.State]
			if state == "" {
				state = fmt.Sprintf("Exit %d", svc.ExitCode)
			}
			var ports []string
			for _, port := range svc.Ports {
				ports = append(ports, fmt.Sprintf("0.0.0.0:%d->%d/%s,:::%d->%d/%s", port.Published, port.Target, port.Protocol, port.Published, port.Target,
					port.Protocol))
			}
			rows = append(rows, []string{svc.Container, cmd, state, strings.Join(ports, ", ")})
		}
		fmt.Fprintln(cli.c.Stdout, texttable(rows))
	case flags["format"] == "json":
		for _, svc := range list {
			fmt.Fprintln(cli.c.Stdout, composePSJSON(spec.Name, svc, cli.clk))
		}
	default:
		tw := tabwriter.NewWriter(cli.c.Stdout, 10, 1, 3, ' ', 0)
		fmt.Fprintln(tw, "NAME\tIMAGE\tCOMMAND\tSERVICE\tCREATED\tSTATUS\tPORTS")
		for _, svc := range list {
			fmt.Fprintf(tw, "%s\t%s\t%q\t%s\t%s ago\t%s\t%s\n", svc.Container, svc.Image, imageCommand(svc.Image), svc.Name,
				humanDuration(time.Since(svc.CreatedAt)), dockerStatus(svc, cli.clk), portsText(svc.Ports))
		}
		_ = tw.Flush()
	}
	return 0
}

// composePSLine is one line of `docker compose ps --format json`: the
// container summary through docker's JSON formatter, keys in sorted order.
type composePSLine struct {
	Command      string             `json:"Command"`
	CreatedAt    string             `json:"CreatedAt"`
	ExitCode     int                `json:"ExitCode"`
	Health       string             `json:"Health"`
	ID           string             `json:"ID"`
	Image        string             `json:"Image"`
	Labels       string             `json:"Labels"`
	LocalVolumes string             `json:"LocalVolumes"`
	Mounts       string             `json:"Mounts"`
	Name         string             `json:"Name"`
	Names        string             `json:"Names"`
	Networks     string             `json:"Networks"`
	Ports        string             `json:"Ports"`
	Project      string             `json:"Project"`
	Publishers   []composePublisher `json:"Publishers"`
	RunningFor   string             `json:"RunningFor"`
	Service      string             `json:"Service"`
	Size         string             `json:"Size"`
	State        string             `json:"State"`
	Status       string             `json:"Status"`
}

type composePublisher struct {
	URL           string `json:"URL"`
	TargetPort    int    `json:"TargetPort"`
	PublishedPort int    `json:"PublishedPort"`
	Protocol      string `json:"Protocol"`
}

func composePSJSON(project string, svc composeService, clk clock) string {
	line := composePSLine{Command: `"` + imageCommand(svc.Image) + `"`, CreatedAt: svc.CreatedAt.UTC().Format("2006-01-02 15:04:05 -0700 MST"),
		ExitCode: svc.ExitCode, ID: svc.ID[:12], Image: svc.Image,
		Labels:       "com.docker.compose.project=" + project + ",com.docker.compose.service=" + svc.Name,
		LocalVolumes: "0", Name: svc.Container, Names: svc.Container, Networks: project + "_default", Ports: portsText(svc.Ports),
		Project: project, Publishers: []composePublisher{}, RunningFor: humanDuration(time.Since(svc.CreatedAt)) + " ago",
		Service: svc.Name, Size: "0B", State: svc.State, Status: dockerStatus(svc, clk), Health: health(svc, clk)}
	for _, port := range svc.Ports {
		line.Publishers = append(line.Publishers, composePublisher{URL: "0.0.0.0", TargetPort: port.Target, PublishedPort: port.Published,
			Protocol: port.Protocol})
	}
	raw, _ := json.Marshal(line)
	return string(raw)
}

// texttable draws rows as python's texttable does with only the header
// rule (Compose v1's Formatter.table): columns three spaces apart, headers
// centred, a dashed line under them.
func texttable(rows [][]string) string {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], len(cell))
		}
	}
	var b strings.Builder
	total := 3 * (len(widths) - 1)
	for i, h := range rows[0] {
		left := (widths[i] - len(h)) / 2
		if i > 0 {
			b.WriteString("   ")
		}
		b.WriteString(strings.Repeat(" ", left) + h + strings.Repeat(" ", widths[i]-len(h)-left))
		total += widths[i]
	}
	b.WriteString("\n" + strings.Repeat("-", total))
	for _, r := range rows[1:] {
		b.WriteString("\n")
		for i, cell := range r {
			if i > 0 {
				b.WriteString("   ")
			}
			b.WriteString(cell + strings.Repeat(" ", widths[i]-len(cell)))
		}
	}
	return b.String()
}

// labelTemplate is docker's {{.Label "key"}} in a --format template
// (docker/cli formatter ContainerContext.Label): the label's value, or
// nothing for a label the container does not carry.
var labelTemplate = regexp.MustCompile(`\{\{\s*\.Label\s+"([^"]*)"\s*\}\}`)

// dockerLabels fills a format's {{.Label "key"}} from a compose
// container's labels.
func dockerLabels(format string, labels map[string]string) string {
	return labelTemplate.ReplaceAllStringFunc(format, func(m string) string {
		return labels[labelTemplate.FindStringSubmatch(m)[1]]
	})
}
