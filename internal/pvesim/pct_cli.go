package pvesim

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// pctProgram is pve-container's src/PVE/CLI/pct.pm: list, config, set,
// status, start, stop, shutdown, reboot, exec, push, pull, unlock, create,
// destroy, clone, migrate, resize, template and pending, each through the
// API's own code where pct.pm maps to the API.
func (s *Simulator) pctProgram(n *node) shell.Program {
	return func(c *shell.Call) int {
		if len(c.Args) < 2 {
			return cliError(c, "ERROR: no command specified")
		}
		sub, args := c.Args[1], c.Args[2:]
		switch sub {
		case "list":
			return s.pctList(c, n)
		case "config":
			return s.pctConfig(c, n, args)
		case "set":
			return s.pctSet(c, n, args)
		case "status":
			return s.pctStatus(c, n, args)
		case "start", "stop", "shutdown", "reboot":
			return s.pctPower(c, n, sub, args)
		case "exec":
			return s.pctExec(c, n, args)
		case "push", "pull":
			return s.pctCopy(c, n, sub, args)
		case "unlock":
			return s.pctUnlock(c, n, args)
		}
		if m, ok := pctAPICommands[sub]; ok {
			return s.pctAPI(c, n, m, args)
		}
		return cliError(c, "unknown command 'pct %s'", sub)
	}
}

// pctGuest finds a container on this node for a vmid argument, as
// PVE::LXC::Config->load_config does (its die message when missing).
func (s *Simulator) pctGuest(c *shell.Call, n *node, arg string) (*guest, int) {
	vmid, err := strconv.Atoi(arg)
	if err != nil || vmid < 100 {
		return nil, cliError(c, "400 Parameter verification failed.\nvmid: type check ('integer') failed - got '%s'", arg)
	}
	s.mu.Lock()
	g, aerr := s.guestOn(n.Name, vmid)
	s.mu.Unlock()
	if aerr != nil {
		return nil, cliError(c, "%s", aerr.Message)
	}
	return g, 0
}

// pctList is `pct list`: the vmlist method printed with
// "%-10s %-10s %-12s %-20s\n", sorted by VMID, nothing at all when empty.
func (s *Simulator) pctList(c *shell.Call, n *node) int {
	s.mu.Lock()
	var gs []*guest
	for _, g := range s.guests {
		if g.Node == n.Name {
			gs = append(gs, g)
		}
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].VMID < gs[j].VMID })
	const format = "%-10s %-10s %-12s %-20s\n"
	var out strings.Builder
	if len(gs) > 0 {
		fmt.Fprintf(&out, format, "VMID", "Status", "Lock", "Name")
	}
	for _, g := range gs {
		status := map[bool]string{true: "running", false: "stopped"}[g.Running]
		fmt.Fprintf(&out, format, strconv.Itoa(g.VMID), status, g.Lock, g.name())
	}
	s.mu.Unlock()
	fmt.Fprint(c.Stdout, out.String())
	return 0
}

// pctConfig is `pct config <vmid>`: vm_config printed as "key: value" in
// sorted order without digest, description URI-escaped as encode_text
// does, then the raw lxc.* lines.
func (s *Simulator) pctConfig(c *shell.Call, n *node, args []string) int {
	path := "/nodes/" + n.Name + "/lxc/{vmid}/config"
	params, aerr := s.cliParams(path, "GET", []string{"vmid"}, args)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	if _, code := s.pctGuest(c, n, params["vmid"]); code != 0 {
		return code
	}
	data, aerr := s.cliCall("GET", "/nodes/"+n.Name+"/lxc/"+params["vmid"]+"/config", without(params, "vmid"))
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	cfg, _ := data.(map[string]any)
	for _, k := range sortedKeys(cfg) {
		if k == "digest" || k == "lxc" {
			continue
		}
		v := cliValue(cfg[k])
		if k == "description" {
			v = encodeText(v)
		}
		fmt.Fprintf(c.Stdout, "%s: %s\n", k, v)
	}
	if lxc, ok := cfg["lxc"].([][]string); ok {
		for _, kv := range lxc {
			fmt.Fprintf(c.Stdout, "%s: %s\n", kv[0], kv[1])
		}
	}
	return 0
}

// cliValue prints a JSON value as Perl prints a scalar.
func cliValue(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

func without(params map[string]string, names ...string) map[string]string {
	out := map[string]string{}
	for k, v := range params {
		out[k] = v
	}
	for _, name := range names {
		delete(out, name)
	}
	return out
}

// pctSet is `pct set <vmid> [OPTIONS]`: update_vm of the API as root@pam, so
// every rule of PUT config applies, and root-only options (feature flags
// other than nesting, bind mounts) are allowed as for root.
func (s *Simulator) pctSet(c *shell.Call, n *node, args []string) int {
	path := "/nodes/" + n.Name + "/lxc/{vmid}/config"
	params, aerr := s.cliParams(path, "PUT", []string{"vmid"}, args)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	if _, code := s.pctGuest(c, n, params["vmid"]); code != 0 {
		return code
	}
	if _, aerr := s.cliCall("PUT", "/nodes/"+n.Name+"/lxc/"+params["vmid"]+"/config", without(params, "vmid")); aerr != nil {
		return cliAPIError(c, aerr)
	}
	s.persistSoon()
	return 0
}

// pctStatus is pct.pm status: "status: running|stopped", or with --verbose
// the sorted "key: value" lines of vmstatus without cpu.
func (s *Simulator) pctStatus(c *shell.Call, n *node, args []string) int {
	verbose := false
	var rest []string
	for _, a := range args {
		if a == "--verbose" || a == "-verbose" || a == "--verbose=1" {
			verbose = true
			continue
		}
		rest = append(rest, a)
	}
	if len(rest) != 1 {
		return cliError(c, "400 not enough arguments\npct status <vmid> [OPTIONS]")
	}
	g, code := s.pctGuest(c, n, rest[0])
	if code != 0 {
		return code
	}
	if !verbose {
		s.mu.Lock()
		running := g.Running
		s.mu.Unlock()
		fmt.Fprintf(c.Stdout, "status: %s\n", map[bool]string{true: "running", false: "stopped"}[running])
		return 0
	}
	data, aerr := s.cliCall("GET", "/nodes/"+n.Name+"/lxc/"+rest[0]+"/status/current", nil)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	st, _ := data.(map[string]any)
	for _, k := range sortedKeys(st) {
		if k == "cpu" || st[k] == nil {
			continue
		}
		fmt.Fprintf(c.Stdout, "%s: %s\n", k, cliValue(st[k]))
	}
	return 0
}

// pctPower is pct start/stop/shutdown/reboot: the API's vm_* method, whose
// worker runs in the foreground; $upid_exit makes a failed task exit 255.
func (s *Simulator) pctPower(c *shell.Call, n *node, sub string, args []string) int {
	path := "/nodes/" + n.Name + "/lxc/{vmid}/status/" + sub
	params, aerr := s.cliParams(path, "POST", []string{"vmid"}, args)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	if _, code := s.pctGuest(c, n, params["vmid"]); code != 0 {
		return code
	}
	data, aerr := s.cliCall("POST", "/nodes/"+n.Name+"/lxc/"+params["vmid"]+"/status/"+sub, without(params, "vmid"))
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	upid, _ := data.(string)
	if s.cliWaitTask(c, n.Name, upid) {
		return 255
	}
	return 0
}

// pctExec is pct.pm exec: the container must run ("container '<vmid>' not
// running!"), --keep-env takes an optional boolean, the command follows "--".
func (s *Simulator) pctExec(c *shell.Call, n *node, args []string) int {
	var vmidArg string
	var cmd []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			cmd = args[i+1:]
			i = len(args)
		case a == "--keep-env" || a == "-keep-env":
			if i+1 < len(args) && isBoolWord(args[i+1]) {
				i++
			}
		case strings.HasPrefix(a, "--keep-env="):
		case vmidArg == "":
			vmidArg = a
		default:
			cmd = args[i:]
			i = len(args)
		}
	}
	if vmidArg == "" {
		return cliError(c, "400 not enough arguments\npct exec <vmid> [<extra-args>] [OPTIONS]")
	}
	g, code := s.pctGuest(c, n, vmidArg)
	if code != 0 {
		return code
	}
	s.mu.Lock()
	running := g.Running
	s.mu.Unlock()
	if !running {
		return cliError(c, "container '%d' not running!", g.VMID)
	}
	if len(cmd) == 0 {
		return cliError(c, "missing command at /usr/share/perl5/PVE/CLI/pct.pm line %d.", s.pctLine(239, 246))
	}
	code = s.runInContainer(c.Ctx, g, cmd, c)
	s.persistSoon()
	return code
}

// pctCopy is pct.pm push and pull. The checks before the worker die (exit
// 255): the container must run. The copy itself runs in a forked worker, and
// since pct's push and pull have no $upid_exit, a failed copy only prints its
// error ("failed to open <file> for reading") and pct still exits 0.
func (s *Simulator) pctCopy(c *shell.Call, n *node, sub string, args []string) int {
	names := []string{"vmid", "file", "destination"}
	if sub == "pull" {
		names = []string{"vmid", "path", "destination"}
	}
	var pos []string
	opts := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") && len(a) > 1 {
			name, value, ok := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if !ok && i+1 < len(args) {
				i++
				value = args[i]
			}
			opts[name] = value
			continue
		}
		pos = append(pos, a)
	}
	if len(pos) < 3 {
		return cliError(c, "400 not enough arguments\npct %s <vmid> <%s> <destination> [OPTIONS]", sub, names[1])
	}
	for name := range opts {
		if name != "perms" && name != "user" && name != "group" {
			return cliError(c, "Unknown option: %s\n400 unable to parse option", name)
		}
	}
	g, code := s.pctGuest(c, n, pos[0])
	if code != 0 {
		return code
	}
	// pct.pm push and pull run their $code under lock_config.
	release, code := s.pctLockConfig(c, n, g)
	if code != 0 {
		return code
	}
	defer release()
	s.mu.Lock()
	running := g.Running
	s.mu.Unlock()
	if !running && sub == "push" {
		return cliError(c, "can only push files to a running CT")
	}
	if !running {
		return cliError(c, "can only pull files from a running VM at /usr/share/perl5/PVE/CLI/pct.pm line %d.", s.pctLine(657, 664))
	}
	perm := fs.FileMode(0o644)
	if p, ok := opts["perms"]; ok {
		// pct assumes octal unless the value starts with 0 (then strtoul's base 0).
		if !strings.HasPrefix(p, "0") {
			p = "0" + p
		}
		v, err := strconv.ParseUint(p, 0, 32)
		if err != nil || p == "" {
			fmt.Fprintf(c.Stderr, "invalid mode: '%s'\n", opts["perms"])
			return 0
		}
		perm = fsMode(v)
	}
	nodeFS := s.nodeFS(n)
	src, dst := pos[1], pos[2]
	if sub == "push" {
		data, err := nodeFS.ReadFile(c.Abs(src))
		if err != nil {
			fmt.Fprintf(c.Stderr, "failed to open %s for reading\n", src)
			return 0
		}
		// create_file opens the destination (its failure dies with
		// "failed to create file"); File::Copy's copy then writes what
		// fits, and pct.pm ignores its result: a full disk leaves a
		// truncated file, no message and exit 0.
		h, err := g.RootFS.Open(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
		if err != nil {
			fmt.Fprintf(c.Stderr, "failed to create file: %s: %s\n", dst, errnoText(err))
			return 0
		}
		_, _ = h.Write(data)
		_ = h.Close()
		s.stats.countWrite("ct " + itoa(g.VMID) + " pct push " + dst)
		// create_file keeps an existing file's mode unless --perms is
		// given, which it applies with chmod either way.
		if _, given := opts["perms"]; given {
			_ = g.RootFS.Chmod(dst, perm)
		}
	} else {
		data, err := g.RootFS.ReadFile(src)
		if err != nil {
			fmt.Fprintf(c.Stderr, "failed to open %s: %s\n", src, errnoText(err))
			return 0
		}
		if err := nodeFS.WriteFile(c.Abs(dst), data, perm); err != nil {
			fmt.Fprintf(c.Stderr, "failed to create file: %s: %s\n", dst, errnoText(err))
			return 0
		}
		s.stats.countWrite(n.Name + " pct pull " + c.Abs(dst))
		if _, given := opts["perms"]; given {
			_ = nodeFS.Chmod(c.Abs(dst), perm)
		}
	}
	s.persistSoon()
	return 0
}

// errnoText is Perl's $! for a file error.
func errnoText(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, fs.ErrPermission):
		return "Permission denied"
	case strings.Contains(err.Error(), "is a directory"):
		return "Is a directory"
	}
	return err.Error()
}

// pctLine is the line of a die without a newline in pct.pm, which Perl
// appends to the message: the line differs between 8.x (stable-bookworm)
// and 9.x (master).
func (s *Simulator) pctLine(pve8, pve9 int) int {
	if s.release == "9.1" {
		return pve9
	}
	return pve8
}

// pctAPICommand is one $cmddef entry of pct.pm that calls an API method:
// its path (below /nodes/{node}), the positional arguments, and whether
// $upid_exit makes a failed task exit 255 (without it pct exits 0).
type pctAPICommand struct {
	method     string
	path       string
	positional []string
	upidExit   bool
}

var pctAPICommands = map[string]pctAPICommand{
	"create":      {"POST", "/lxc", []string{"vmid", "ostemplate"}, true},
	"destroy":     {"DELETE", "/lxc/{vmid}", []string{"vmid"}, true},
	"clone":       {"POST", "/lxc/{vmid}/clone", []string{"vmid", "newid"}, true},
	"migrate":     {"POST", "/lxc/{vmid}/migrate", []string{"vmid", "target"}, true},
	"move-volume": {"POST", "/lxc/{vmid}/move_volume", []string{"vmid", "volume", "storage"}, true},
	"resize":      {"PUT", "/lxc/{vmid}/resize", []string{"vmid", "disk", "size"}, false},
	"template":    {"POST", "/lxc/{vmid}/template", []string{"vmid"}, false},
	"pending":     {"GET", "/lxc/{vmid}/pending", []string{"vmid"}, false},
}

// pctAPI runs a pct command that maps to an API method, waiting for its
// worker in the foreground as the CLI environment does.
func (s *Simulator) pctAPI(c *shell.Call, n *node, m pctAPICommand, args []string) int {
	tmpl := "/nodes/" + n.Name + m.path
	params, aerr := s.cliParams(tmpl, m.method, m.positional, args)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	path := strings.ReplaceAll(tmpl, "{vmid}", params["vmid"])
	callParams := params
	if strings.Contains(m.path, "{vmid}") {
		if _, code := s.pctGuest(c, n, params["vmid"]); code != 0 {
			return code
		}
		callParams = without(params, "vmid")
	}
	data, aerr := s.cliCall(m.method, path, callParams)
	if aerr != nil {
		return cliAPIError(c, aerr)
	}
	if m.path == "/lxc/{vmid}/pending" {
		return s.printPending(c, data)
	}
	if upid, ok := data.(string); ok && strings.HasPrefix(upid, "UPID:") {
		if s.cliWaitTask(c, n.Name, upid) && m.upidExit {
			return 255
		}
	}
	s.persistSoon()
	return 0
}

// printPending is PVE::GuestHelpers::format_pending: sorted by key without
// digest, "del", "cur" and "new" lines, description URI-escaped.
func (s *Simulator) printPending(c *shell.Call, data any) int {
	var rows []struct {
		Key     string `json:"key"`
		Value   any    `json:"value"`
		Pending any    `json:"pending"`
		Delete  int    `json:"delete"`
	}
	if err := decodeInto(data, &rows); err != nil {
		return cliError(c, "%v", err)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Key < rows[j].Key })
	for _, r := range rows {
		if r.Key == "digest" {
			continue
		}
		v, p := cliValue(r.Value), cliValue(r.Pending)
		if r.Key == "description" {
			v, p = encodeText(v), encodeText(p)
		}
		switch {
		case r.Value != nil && r.Delete != 0:
			fmt.Fprintf(c.Stdout, "del %s: %s\n", r.Key, v)
		case r.Value != nil && r.Pending != nil:
			fmt.Fprintf(c.Stdout, "cur %s: %s\nnew %s: %s\n", r.Key, v, r.Key, p)
		case r.Value != nil:
			fmt.Fprintf(c.Stdout, "cur %s: %s\n", r.Key, v)
		case r.Pending != nil:
			fmt.Fprintf(c.Stdout, "new %s: %s\n", r.Key, p)
		}
	}
	return 0
}

// pctUnlock is pct.pm unlock: AbstractConfig remove_lock, which dies with
// "no lock found trying to remove any lock" when there is none.
func (s *Simulator) pctUnlock(c *shell.Call, n *node, args []string) int {
	if len(args) != 1 {
		return cliError(c, "400 not enough arguments\npct unlock <vmid>")
	}
	g, code := s.pctGuest(c, n, args[0])
	if code != 0 {
		return code
	}
	// remove_lock changes the config under lock_config.
	release, code := s.pctLockConfig(c, n, g)
	if code != 0 {
		return code
	}
	defer release()
	s.mu.Lock()
	if g.Lock == "" {
		s.mu.Unlock()
		return cliError(c, "no lock found trying to remove any lock")
	}
	g.Lock = ""
	s.writeGuestConf(g)
	s.mu.Unlock()
	s.persistSoon()
	return 0
}

// pctLockConfig takes the guest's config lock for a pct subcommand that
// runs under lock_config; a timeout is the command's error.
func (s *Simulator) pctLockConfig(c *shell.Call, n *node, g *guest) (func(), int) {
	release, lockErr := s.lockGuestConfig(c.Ctx, n.Name, g.VMID, configLockTimeout)
	if lockErr != nil {
		return nil, cliError(c, "%s", lockErr.Message)
	}
	return release, 0
}
