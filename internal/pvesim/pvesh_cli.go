package pvesim

import (
	"sort"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// pveshProgram is pve-manager's PVE/CLI/pvesh.pm: get, create, set and
// delete call the API method of a path as root@pam (call_api_method), a
// worker runs in the foreground as in every CLI (its log on stdout, the
// UPID printed after), and the result is printed by CLIFormatter
// print_api_result in --output-format text (default), json, json-pretty or
// yaml. ls lists a path's children.
func (s *Simulator) pveshProgram() shell.Program {
	methods := map[string]string{"get": "GET", "create": "POST", "set": "PUT", "delete": "DELETE"}
	return func(c *shell.Call) int {
		if len(c.Args) < 2 {
			return cliError(c, "ERROR: no command specified")
		}
		cmd := c.Args[1]
		method, ok := methods[cmd]
		if !ok && cmd != "ls" {
			return cliError(c, "ERROR: unknown command 'pvesh %s'", cmd)
		}
		if cmd == "ls" {
			method = "GET"
		}
		var apiPath string
		var rest []string
		for _, a := range c.Args[2:] {
			if apiPath == "" && !strings.HasPrefix(a, "-") {
				apiPath = a
				continue
			}
			rest = append(rest, a)
		}
		if apiPath == "" {
			return cliError(c, "400 not enough arguments\npvesh %s <api_path> [OPTIONS] [FORMAT_OPTIONS]", cmd)
		}
		format, rest := pveshFormat(rest)
		segments := strings.Split(strings.Trim(apiPath, "/"), "/")
		route, vars := s.routes.match(segments)
		if route == nil || route.handlers[method] == nil {
			return cliError(c, "no '%s' handler for '%s'", cmd, apiPath)
		}
		params, aerr := s.cliParams(route.template, method, nil, rest)
		if aerr != nil {
			return cliAPIError(c, aerr)
		}
		for k, v := range vars {
			params[k] = v
		}
		data, aerr := s.callAsRoot(route, method, params)
		if aerr != nil {
			return cliAPIError(c, aerr)
		}
		if upid, ok := data.(string); ok && strings.HasPrefix(upid, "UPID:") {
			if tk, err := parseUPID(upid); err == nil {
				s.cliWaitTask(c, tk.Node, upid)
			}
		}
		if cmd == "ls" {
			return s.pveshList(c, route, apiPath, data)
		}
		printPveumResult(c.Stdout, pveshResultCommand(data), data, format)
		return 0
	}
}

// pveshFormat takes the standard output options out of the arguments.
func pveshFormat(args []string) (pveumFormat, []string) {
	f := pveumFormat{output: "text"}
	var rest []string
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		switch name {
		case "output-format":
			if !hasValue && i+1 < len(args) {
				i++
				value = args[i]
			}
			f.output = value
		case "noborder":
			f.noborder = !hasValue || value == "1"
		case "noheader":
			f.noheader = !hasValue || value == "1"
		case "quiet":
			f.quiet = !hasValue || value == "1"
		case "human-readable":
		default:
			rest = append(rest, args[i])
		}
	}
	return f, rest
}

// pveshResultCommand makes the table layout of a result: for a list of
// objects, every key as a column, sorted.
func pveshResultCommand(data any) *pveumCommand {
	cmd := &pveumCommand{output: "result"}
	list, ok := jsonRoundTrip(data).([]any)
	if !ok {
		return cmd
	}
	keys := map[string]bool{}
	for _, item := range list {
		if obj, ok := item.(map[string]any); ok {
			for k := range obj {
				keys[k] = true
			}
		}
	}
	for k := range keys {
		cmd.columns = append(cmd.columns, k)
	}
	sort.Strings(cmd.columns)
	return cmd
}

// pveshList is pvesh.pm ls: the children of a path (extract_children by
// the child link's {property}), each with resource_cap's flags: D when it
// has children itself, then r, w, c, d for GET, PUT, POST and DELETE;
// printed without border and header.
func (s *Simulator) pveshList(c *shell.Call, route *route, apiPath string, data any) int {
	prop := ""
	for _, r := range s.routes.routes {
		if strings.HasPrefix(r.template, route.template+"/{") && strings.Count(r.template, "/") == strings.Count(route.template, "/")+1 {
			prop = strings.Trim(r.template[len(route.template)+1:], "{}")
		}
	}
	if prop == "" {
		return cliError(c, "resource '%s' does not define child links", apiPath)
	}
	list, _ := jsonRoundTrip(data).([]any)
	var rows []map[string]string
	for _, item := range list {
		obj, ok := item.(map[string]any)
		if !ok {
			continue
		}
		name := cellText(obj[prop])
		rows = append(rows, map[string]string{"capabilities": s.resourceCap(strings.TrimSuffix(apiPath, "/") + "/" + name), "name": name})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i]["name"] < rows[j]["name"] })
	if len(rows) > 0 {
		printTextTable(c.Stdout, []string{"capabilities", "name"}, nil, nil, rows, pveumFormat{output: "text", noborder: true, noheader: true})
	}
	return 0
}

// resourceCap is pvesh.pm resource_cap for one path.
func (s *Simulator) resourceCap(p string) string {
	segments := strings.Split(strings.Trim(p, "/"), "/")
	r, _ := s.routes.match(segments)
	has := func(m string) bool { return r != nil && r.handlers[m] != nil }
	out := "--"
	if has("GET") {
		out = "-r"
		for _, other := range s.routes.routes {
			if strings.HasPrefix(other.template, r.template+"/") {
				out = "Dr"
				break
			}
		}
	}
	for _, m := range []struct{ method, flag string }{{"PUT", "w"}, {"POST", "c"}, {"DELETE", "d"}} {
		if has(m.method) {
			out += m.flag
		} else {
			out += "-"
		}
	}
	return out
}
