package pvesim

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// nodeEnv is the shell world of a node: its own root with pmxcfs mounted at
// /etc/pve (shared by all nodes), the file tools, and pct.
func (s *Simulator) nodeEnv(n *node) *shell.Env {
	progs := shell.CoreUtils()
	progs["hostname"] = func(c *shell.Call) int { fmt.Fprintln(c.Stdout, n.Name); return 0 }
	progs["uname"] = unameProgram(n.Name)
	progs["pveversion"] = func(c *shell.Call) int {
		fmt.Fprintf(c.Stdout, "pve-manager/%s/%s (running kernel: 6.8.12-9-pve)\n", pveVersion, pveRepoID)
		return 0
	}
	progs["pct"] = s.pctProgram(n)
	progs["pveum"] = s.pveumProgram()
	return &shell.Env{
		FS:       s.nodeFS(n),
		Programs: progs, Home: "/root", Locks: n.locks(),
		Vars:      []string{"HOSTNAME=" + n.Name, "LANG=C.UTF-8"},
		Sleep:     s.clock.sleep,
		OnCommand: func(name string) shell.Program { s.stats.countCommand("node:" + name); return nil },
	}
}

// locks is the node's flock table, made with the node; kernel locks do not
// survive a restart, so it is not saved.
func (n *node) locks() *shell.LockTable {
	return n.flocks
}

// pctError is how pct dies: the message on stderr, exit status 255.
func pctError(c *shell.Call, format string, args ...any) int {
	fmt.Fprintf(c.Stderr, format+"\n", args...)
	return 255
}

// pctProgram implements pct exec, push, pull, status, list, config and set.
func (s *Simulator) pctProgram(n *node) shell.Program {
	return func(c *shell.Call) int {
		if len(c.Args) < 2 {
			return pctError(c, "ERROR: no command specified")
		}
		sub := c.Args[1]
		if sub == "list" {
			return s.pctList(c, n)
		}
		if len(c.Args) < 3 {
			return pctError(c, "400 not enough arguments\npct %s <vmid>", sub)
		}
		vmid, err := strconv.Atoi(c.Args[2])
		if err != nil || vmid < 100 {
			return pctError(c, "400 Parameter verification failed.\nvmid: type check ('integer') failed - got '%s'", c.Args[2])
		}
		s.mu.Lock()
		g, aerr := s.guestOn(n.Name, vmid)
		running := g != nil && g.Running
		var cfgText string
		if g != nil {
			cfgText = configText(g.Config)
		}
		s.mu.Unlock()
		if aerr != nil {
			return pctError(c, "%s", aerr.Message)
		}
		rest := c.Args[3:]
		switch sub {
		case "status":
			fmt.Fprintf(c.Stdout, "status: %s\n", map[bool]string{true: "running", false: "stopped"}[running])
			return 0
		case "set":
			return s.pctSet(c, n, vmid, rest)
		case "config":
			_, _ = io.WriteString(c.Stdout, cfgText)
			return 0
		case "exec":
			if len(rest) > 0 && rest[0] == "--keep-env" {
				rest = rest[2:]
			}
			if len(rest) > 0 && rest[0] == "--" {
				rest = rest[1:]
			}
			if len(rest) == 0 {
				return pctError(c, "missing command")
			}
			if !running {
				return pctError(c, "CT %d not running", vmid)
			}
			code := s.runInContainer(c.Ctx, g, rest, c)
			s.persistSoon()
			return code
		case "push", "pull":
			if len(rest) < 2 {
				return pctError(c, "400 not enough arguments\npct %s <vmid> <file> <destination>", sub)
			}
			if !running {
				return pctError(c, "CT %d not running", vmid)
			}
			return s.pctCopy(c, n, g, sub, rest)
		}
		return pctError(c, "unknown command 'pct %s'", sub)
	}
}

func (s *Simulator) pctCopy(c *shell.Call, n *node, g *guest, sub string, rest []string) int {
	nodeFS := s.nodeFS(n)
	src, dst := rest[0], rest[1]
	var data []byte
	var err error
	if sub == "push" {
		data, err = nodeFS.ReadFile(c.Abs(src))
	} else {
		data, err = g.RootFS.ReadFile(src)
	}
	if err != nil {
		return pctError(c, "failed to open %s for reading", src)
	}
	perm := uint64(0o644)
	for i := 2; i+1 < len(rest); i++ {
		if rest[i] == "--perms" {
			if p, perr := strconv.ParseUint(rest[i+1], 8, 32); perr == nil {
				perm = p
			}
		}
	}
	if sub == "push" {
		err = g.RootFS.WriteFile(dst, data, fsMode(perm))
	} else {
		err = nodeFS.WriteFile(c.Abs(dst), data, fsMode(perm))
	}
	if err != nil {
		return pctError(c, "failed to open %s for writing", dst)
	}
	s.persistSoon()
	return 0
}

func (s *Simulator) pctList(c *shell.Call, n *node) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	var rows []string
	for _, g := range s.guests {
		if g.Node == n.Name {
			status := map[bool]string{true: "running", false: "stopped"}[g.Running]
			rows = append(rows, fmt.Sprintf("%-10d %-10s %-12s %s", g.VMID, status, g.Lock, g.name()))
		}
	}
	sort.Strings(rows)
	fmt.Fprintln(c.Stdout, "VMID       Status     Lock         Name")
	fmt.Fprintln(c.Stdout, strings.Join(rows, "\n"))
	return 0
}

// RunOnNode runs a script on a node as its SSH server would, for tests.
func (s *Simulator) RunOnNode(ctx context.Context, nodeName, script string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	s.mu.Lock()
	n := s.nodeByName(nodeName)
	s.mu.Unlock()
	if n == nil {
		return 0, fmt.Errorf("no node %q", nodeName)
	}
	return s.nodeEnv(n).Run(ctx, script, stdin, stdout, stderr, "/root"), nil
}

// pctSet is pct set: the config update of the API, run as root@pam (pct runs
// as root on the node), so root-only options such as feature flags other
// than nesting are allowed here and nowhere in the API for a token.
func (s *Simulator) pctSet(c *shell.Call, n *node, vmid int, args []string) int {
	params := map[string]string{"node": n.Name, "vmid": strconv.Itoa(vmid)}
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			return pctError(c, "400 too many arguments")
		}
		if !hasValue {
			if i+1 >= len(args) {
				return pctError(c, "Option %s requires an argument\n400 unable to parse option", name)
			}
			i++
			value = args[i]
		}
		params[name] = value
	}
	route, _ := s.routes.match([]string{"nodes", n.Name, "lxc", strconv.Itoa(vmid), "config"})
	if _, aerr := s.callAsRoot(route, "PUT", params); aerr != nil {
		if aerr.Status == 400 {
			msg := "400 " + aerr.Message
			for _, k := range sortedKeys(aerr.Errors) {
				msg += "\n" + k + ": " + aerr.Errors[k]
			}
			return pctError(c, "%s", msg)
		}
		return pctError(c, "%s", aerr.Message)
	}
	return 0
}
