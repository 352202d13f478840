package pvesim

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pveschema"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// pveum runs on every node as root, so as root@pam: it calls the API
// handlers directly, without permission checks, as pve-access-control's
// src/PVE/CLI/pveum.pm does through PVE::CLIHandler.

// pveumCommand is one entry of pveum's command map.
type pveumCommand struct {
	words   []string          // "user", "token", "add"
	method  string            // API method
	path    string            // API path template
	args    []string          // positional arguments, in order
	fixed   map[string]string // parameters the command sets itself
	output  string            // "" (nothing), "result" or "perm"
	columns []string          // table columns of list results
	intCols map[string]bool   // right-aligned columns
}

var pveumCommands = []*pveumCommand{
	{words: []string{"user", "add"}, method: "POST", path: "/access/users", args: []string{"userid"}},
	{words: []string{"user", "modify"}, method: "PUT", path: "/access/users/{userid}", args: []string{"userid"}},
	{words: []string{"user", "delete"}, method: "DELETE", path: "/access/users/{userid}", args: []string{"userid"}},
	{words: []string{"user", "list"}, method: "GET", path: "/access/users", output: "result",
		columns: []string{"userid", "comment", "email", "enable", "expire", "firstname", "groups", "keys", "lastname", "realm-type", "tfa-locked-until",
			"tokens", "totp-locked"},
		intCols: map[string]bool{"expire": true, "tfa-locked-until": true}},
	{words: []string{"user", "permissions"}, method: "GET", path: "/access/permissions", args: []string{"userid?"}, output: "perm"},
	{words: []string{"user", "token", "add"}, method: "POST", path: "/access/users/{userid}/token/{tokenid}", args: []string{"userid", "tokenid"},
		output: "result"},
	{words: []string{"user", "token", "modify"}, method: "PUT", path: "/access/users/{userid}/token/{tokenid}", args: []string{"userid", "tokenid"},
		output: "result"},
	{words: []string{"user", "token", "delete"}, method: "DELETE", path: "/access/users/{userid}/token/{tokenid}", args: []string{"userid", "tokenid"},
		output: "result"},
	{words: []string{"user", "token", "remove"}, method: "DELETE", path: "/access/users/{userid}/token/{tokenid}", args: []string{"userid", "tokenid"},
		output: "result"},
	{words: []string{"user", "token", "list"}, method: "GET", path: "/access/users/{userid}/token", args: []string{"userid"}, output: "result",
		columns: []string{"tokenid", "comment", "expire", "privsep"}, intCols: map[string]bool{"expire": true}},
	{words: []string{"user", "token", "permissions"}, method: "GET", path: "/access/permissions", args: []string{"userid", "tokenid"}, output: "perm"},
	{words: []string{"group", "add"}, method: "POST", path: "/access/groups", args: []string{"groupid"}},
	{words: []string{"group", "modify"}, method: "PUT", path: "/access/groups/{groupid}", args: []string{"groupid"}},
	{words: []string{"group", "delete"}, method: "DELETE", path: "/access/groups/{groupid}", args: []string{"groupid"}},
	{words: []string{"group", "list"}, method: "GET", path: "/access/groups", output: "result", columns: []string{"groupid", "comment", "users"}},
	{words: []string{"role", "add"}, method: "POST", path: "/access/roles", args: []string{"roleid"}},
	{words: []string{"role", "modify"}, method: "PUT", path: "/access/roles/{roleid}", args: []string{"roleid"}},
	{words: []string{"role", "delete"}, method: "DELETE", path: "/access/roles/{roleid}", args: []string{"roleid"}},
	{words: []string{"role", "list"}, method: "GET", path: "/access/roles", output: "result", columns: []string{"roleid", "privs", "special"}},
	{words: []string{"acl", "modify"}, method: "PUT", path: "/access/acl", args: []string{"path"}, fixed: map[string]string{"delete": "0"}},
	{words: []string{"acl", "delete"}, method: "PUT", path: "/access/acl", args: []string{"path"}, fixed: map[string]string{"delete": "1"}},
	{words: []string{"acl", "list"}, method: "GET", path: "/access/acl", output: "result",
		columns: []string{"path", "roleid", "type", "ugid", "propagate"}},
	{words: []string{"passwd"}, method: "PUT", path: "/access/password", args: []string{"userid"}},
}

// pveumAliases are the old single-word commands.
var pveumAliases = map[string][]string{
	"useradd": {"user", "add"}, "usermod": {"user", "modify"}, "userdel": {"user", "delete"},
	"groupadd": {"group", "add"}, "groupmod": {"group", "modify"}, "groupdel": {"group", "delete"},
	"roleadd": {"role", "add"}, "rolemod": {"role", "modify"}, "roledel": {"role", "delete"},
	"aclmod": {"acl", "modify"}, "acldel": {"acl", "delete"},
}

// findPveumCommand resolves the words, each possibly a unique prefix (as
// CLIHandler allows), and returns the command and the remaining arguments.
func findPveumCommand(args []string) (*pveumCommand, []string) {
	if len(args) > 0 {
		if words, ok := pveumAliases[args[0]]; ok {
			args = append(append([]string{}, words...), args[1:]...)
		}
	}
	candidates := pveumCommands
	depth := 0
	for depth < len(args) {
		word := args[depth]
		var next []*pveumCommand
		exact := map[string]bool{}
		for _, c := range candidates {
			if depth < len(c.words) && c.words[depth] == word {
				exact[word] = true
			}
		}
		for _, c := range candidates {
			if depth >= len(c.words) {
				continue
			}
			if c.words[depth] == word || (!exact[word] && strings.HasPrefix(c.words[depth], word)) {
				next = append(next, c)
			}
		}
		names := map[string]bool{}
		for _, c := range next {
			names[c.words[depth]] = true
		}
		if len(names) != 1 {
			return nil, nil
		}
		candidates = next
		depth++
		for _, c := range candidates {
			if len(c.words) == depth {
				return c, args[depth:]
			}
		}
	}
	return nil, nil
}

func (c *pveumCommand) usage() string {
	u := "pveum " + strings.Join(c.words, " ")
	for _, a := range c.args {
		if opt, ok := strings.CutSuffix(a, "?"); ok {
			u += " [<" + opt + ">]"
		} else {
			u += " <" + a + ">"
		}
	}
	if len(c.args) == 0 {
		u += " "
	}
	u += " [OPTIONS]"
	if c.output != "" {
		u += " [FORMAT_OPTIONS]"
	}
	return u
}

// pveumProgram is the pveum command of the node shell.
func (s *Simulator) pveumProgram() shell.Program {
	return func(c *shell.Call) int {
		cmd, rest := findPveumCommand(c.Args[1:])
		if cmd == nil {
			fmt.Fprintf(c.Stderr, "ERROR: unknown command 'pveum %s'\n", strings.Join(c.Args[1:], " "))
			return 255
		}
		route, _ := s.routes.match(strings.Split(strings.Trim(routePathFor(cmd.path), "/"), "/"))
		meth := route.methods[cmd.method]
		params, format, perr := parsePveumArgs(cmd, meth, rest)
		if perr != "" {
			fmt.Fprintf(c.Stderr, "%s\n%s\n", perr, cmd.usage())
			return 255
		}
		if _, given := params["password"]; cmd.words[0] == "passwd" && !given {
			pw, msg := readNewPassword(c.Stdin)
			if msg != "" {
				fmt.Fprintln(c.Stderr, msg)
				return 255
			}
			params["password"] = pw
		}
		if cmd.words[len(cmd.words)-1] == "permissions" && len(cmd.words) == 3 {
			params["userid"] = params["userid"] + "!" + params["tokenid"]
			delete(params, "tokenid")
		}
		data, aerr := s.callAsRoot(route, cmd.method, params)
		if aerr != nil {
			if aerr.Status == 400 {
				fmt.Fprintf(c.Stderr, "400 %s\n", aerr.Message)
				for _, k := range sortedKeys(aerr.Errors) {
					fmt.Fprintf(c.Stderr, "%s: %s\n", k, aerr.Errors[k])
				}
				fmt.Fprintf(c.Stderr, "\n%s\n", cmd.usage())
			} else {
				fmt.Fprintf(c.Stderr, "%s\n", aerr.Message)
			}
			return 255
		}
		s.persistSoon()
		printPveumResult(c.Stdout, cmd, data, format)
		return 0
	}
}

// routePathFor turns a template into a concrete path that matches it.
func routePathFor(tmpl string) string {
	return templateVarRe.ReplaceAllString(tmpl, "x")
}

// callAsRoot runs an API handler as root@pam, validating the parameters.
func (s *Simulator) callAsRoot(route *route, method string, params map[string]string) (any, *apiError) {
	meth := route.methods[method]
	if errs := meth.Validate(pveschema.Params(params)); len(errs) > 0 {
		return nil, paramError(errs)
	}
	req := &request{method: method, route: route.template, params: params, authid: "root@pam", acc: s.access()}
	data, err := route.handlers[method](req)
	if err != nil {
		if ae, ok := err.(*apiError); ok {
			return nil, ae
		}
		return nil, fail("%v", err)
	}
	if wt, ok := data.(withTotal); ok {
		data = wt.data
	}
	return data, nil
}

type pveumFormat struct {
	output   string
	noheader bool
	noborder bool
	quiet    bool
}

// parsePveumArgs reads options as Getopt::Long does for CLIHandler: one or
// two dashes, "--opt value" or "--opt=value", unique prefixes, booleans
// with an optional value, list formats repeatable; then the positional
// arguments.
func parsePveumArgs(cmd *pveumCommand, meth *pveschema.Method, args []string) (map[string]string, pveumFormat, string) {
	format := pveumFormat{output: "text"}
	props := meth.Parameters.Properties
	names := []string{}
	for name := range props {
		if _, fixed := cmd.fixed[name]; !fixed {
			names = append(names, name)
		}
	}
	if cmd.output != "" {
		names = append(names, "output-format", "noheader", "noborder", "quiet", "human-readable")
	}
	sort.Strings(names)
	params := map[string]string{}
	var positional []string
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if arg == "--" {
			positional = append(positional, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(arg, "-") || arg == "-" {
			positional = append(positional, arg)
			continue
		}
		name := strings.TrimLeft(arg, "-")
		name, value, hasValue := strings.Cut(name, "=")
		full, ambiguous := resolveOption(names, name)
		if full == "" {
			if len(ambiguous) > 1 {
				return nil, format, fmt.Sprintf("Option %s is ambiguous (%s)\n400 unable to parse option", name, strings.Join(ambiguous, ", "))
			}
			return nil, format, fmt.Sprintf("Unknown option: %s\n400 unable to parse option", name)
		}
		prop := props[full]
		isBool := (prop != nil && prop.Type == "boolean") || full == "noheader" || full == "noborder" || full == "quiet" || full == "human-readable"
		if !hasValue {
			// Booleans are "name:s" for Getopt::Long: an optional value,
			// taken from the next argument unless that looks like an option.
			if isBool && (i+1 >= len(args) || strings.HasPrefix(args[i+1], "-")) {
				value = "1"
			} else if i+1 < len(args) {
				i++
				value = args[i]
			} else {
				return nil, format, fmt.Sprintf("Option %s requires an argument\n400 unable to parse option", full)
			}
		}
		if isBool {
			b, ok := parseBoolWord(value)
			if !ok {
				return nil, format, "400 unable to parse boolean option"
			}
			value = b
		}
		switch full {
		case "output-format":
			format.output = value
			continue
		case "noheader":
			format.noheader = value == "1"
			continue
		case "noborder":
			format.noborder = value == "1"
			continue
		case "quiet":
			format.quiet = value == "1"
			continue
		case "human-readable":
			continue
		}
		if prev, ok := params[full]; ok && prop != nil && strings.HasSuffix(prop.FormatName, "-list") {
			value = prev + "," + value
		}
		params[full] = value
	}
	required := 0
	for _, a := range cmd.args {
		if !strings.HasSuffix(a, "?") {
			required++
		}
	}
	if len(positional) < required {
		return nil, format, "400 not enough arguments"
	}
	if len(positional) > len(cmd.args) {
		return nil, format, "400 too many arguments"
	}
	for i, v := range positional {
		params[strings.TrimSuffix(cmd.args[i], "?")] = v
	}
	for k, v := range cmd.fixed {
		params[k] = v
	}
	return params, format, ""
}

func resolveOption(names []string, given string) (string, []string) {
	lower := strings.ToLower(given)
	var matches []string
	for _, n := range names {
		if n == lower {
			return n, nil
		}
		if strings.HasPrefix(n, lower) {
			matches = append(matches, n)
		}
	}
	if len(matches) == 1 {
		return matches[0], nil
	}
	return "", matches
}

func parseBoolWord(s string) (string, bool) {
	switch strings.ToLower(s) {
	case "1", "on", "yes", "true":
		return "1", true
	case "0", "off", "no", "false":
		return "0", true
	}
	return "", false
}

// readNewPassword reads the new password twice, as pveum passwd does when
// its input is not a terminal.
func readNewPassword(in io.Reader) (string, string) {
	scanner := bufio.NewScanner(in)
	var lines []string
	for len(lines) < 2 && scanner.Scan() {
		lines = append(lines, scanner.Text())
	}
	if len(lines) < 2 {
		return "", "no password specified"
	}
	if lines[0] != lines[1] {
		return "", "passwords do not match"
	}
	return lines[0], ""
}

// printPveumResult prints as PVE::CLIFormatter::print_api_result.
func printPveumResult(w io.Writer, cmd *pveumCommand, data any, f pveumFormat) {
	if cmd.output == "" || f.quiet || data == nil {
		if cmd.output == "perm" && f.output == "text" && !f.quiet {
			fmt.Fprintln(w, "Permissions marked with '(*)' have the 'propagate' flag set.")
		}
		return
	}
	data = jsonRoundTrip(data)
	switch f.output {
	case "json":
		raw, _ := json.Marshal(data)
		fmt.Fprintf(w, "%s\n", raw)
		return
	case "json-pretty":
		writePerlPrettyJSON(w, data, 0)
		fmt.Fprintln(w)
		return
	case "yaml":
		raw, _ := json.Marshal(data)
		fmt.Fprintf(w, "---\n%s\n", raw)
		return
	}
	if cmd.output == "perm" {
		perms, _ := data.(map[string]any)
		var rows []map[string]string
		for _, path := range sortedKeys(perms) {
			privs, _ := perms[path].(map[string]any)
			var lines []string
			for _, p := range sortedKeys(privs) {
				if n, _ := privs[p].(float64); n != 0 {
					lines = append(lines, p+" (*)")
				} else {
					lines = append(lines, p)
				}
			}
			rows = append(rows, map[string]string{"path": path, "permissions": strings.Join(lines, "\n")})
		}
		printTextTable(w, []string{"path", "permissions"}, map[string]string{"path": "ACL path", "permissions": "Permissions"}, nil, rows, f)
		fmt.Fprintln(w, "Permissions marked with '(*)' have the 'propagate' flag set.")
		return
	}
	switch v := data.(type) {
	case []any:
		if len(v) == 0 {
			return
		}
		rows := make([]map[string]string, 0, len(v))
		for _, item := range v {
			obj, _ := item.(map[string]any)
			row := map[string]string{}
			for _, col := range cmd.columns {
				row[col] = cellText(obj[col])
			}
			rows = append(rows, row)
		}
		printTextTable(w, cmd.columns, nil, cmd.intCols, rows, f)
	case map[string]any:
		var rows []map[string]string
		for _, k := range sortedKeys(v) {
			if v[k] != nil {
				rows = append(rows, map[string]string{"key": k, "value": cellText(v[k])})
			}
		}
		printTextTable(w, []string{"key", "value"}, nil, nil, rows, f)
	default:
		fmt.Fprintln(w, cellText(v))
	}
}

// jsonRoundTrip turns handler results into plain JSON values.
func jsonRoundTrip(v any) any {
	raw, _ := json.Marshal(v)
	var out any
	_ = json.Unmarshal(raw, &out)
	return out
}

// cellText is data_to_text: numbers plain, structures as compact JSON.
func cellText(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case float64:
		return fmt.Sprint(t)
	case bool:
		if t {
			return "1"
		}
		return "0"
	}
	raw, _ := json.Marshal(v)
	return string(raw)
}

// printTextTable is print_text_table with UTF-8 borders (the node's locale
// is C.UTF-8): rows sorted by the first column, one line per line of a
// multi-line cell, integers right-aligned.
func printTextTable(w io.Writer, cols []string, titles map[string]string, intCols map[string]bool, rows []map[string]string, f pveumFormat) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i][cols[0]] < rows[j][cols[0]] })
	widths := make([]int, len(cols))
	title := func(c string) string {
		if t, ok := titles[c]; ok {
			return t
		}
		return c
	}
	for i, c := range cols {
		widths[i] = len([]rune(title(c)))
		for _, r := range rows {
			for _, line := range strings.Split(r[c], "\n") {
				widths[i] = max(widths[i], len([]rune(line)))
			}
		}
	}
	border := func(left, fill, mid, right string) string {
		var b strings.Builder
		for i, wd := range widths {
			if i == 0 {
				b.WriteString(left + fill)
			} else {
				b.WriteString(mid + fill)
			}
			b.WriteString(strings.Repeat(fill, wd) + fill)
		}
		return b.String() + right
	}
	line := func(cells []string) string {
		var b strings.Builder
		for i, cell := range cells {
			pad := strings.Repeat(" ", widths[i]-len([]rune(cell)))
			if f.noborder {
				switch {
				case i == len(cells)-1:
					b.WriteString(cell)
				case intCols[cols[i]]:
					b.WriteString(pad + cell + " ")
				default:
					b.WriteString(cell + pad + " ")
				}
				continue
			}
			if intCols[cols[i]] {
				b.WriteString("│ " + pad + cell + " ")
			} else {
				b.WriteString("│ " + cell + pad + " ")
			}
		}
		if !f.noborder {
			b.WriteString("│")
		}
		return b.String()
	}
	if !f.noborder {
		fmt.Fprintln(w, border("┌", "─", "┬", "┐"))
	}
	sep := border("├", "─", "┼", "┤")
	if !f.noheader {
		heads := make([]string, len(cols))
		for i, c := range cols {
			heads[i] = title(c)
		}
		fmt.Fprintln(w, line(heads))
	}
	for i, r := range rows {
		if !f.noborder && (i != 0 || !f.noheader) {
			if i == 0 {
				fmt.Fprintln(w, border("╞", "═", "╪", "╡"))
			} else {
				fmt.Fprintln(w, sep)
			}
		}
		height := 1
		split := make([][]string, len(cols))
		for j, c := range cols {
			split[j] = strings.Split(r[c], "\n")
			height = max(height, len(split[j]))
		}
		for l := 0; l < height; l++ {
			cells := make([]string, len(cols))
			for j := range cols {
				if l < len(split[j]) {
					cells[j] = split[j][l]
				}
			}
			fmt.Fprintln(w, line(cells))
		}
	}
	if !f.noborder {
		fmt.Fprintln(w, border("└", "─", "┴", "┘"))
	}
}

// writePerlPrettyJSON writes JSON as Perl's JSON pretty printer does: keys
// sorted, three spaces of indent, " : " between key and value.
func writePerlPrettyJSON(w io.Writer, v any, depth int) {
	indent := strings.Repeat("   ", depth)
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			fmt.Fprint(w, "{}")
			return
		}
		fmt.Fprint(w, "{\n")
		for i, k := range sortedKeys(t) {
			key, _ := json.Marshal(k)
			fmt.Fprintf(w, "%s   %s : ", indent, key)
			writePerlPrettyJSON(w, t[k], depth+1)
			if i < len(t)-1 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprint(w, "\n")
		}
		fmt.Fprintf(w, "%s}", indent)
	case []any:
		if len(t) == 0 {
			fmt.Fprint(w, "[]")
			return
		}
		fmt.Fprint(w, "[\n")
		for i, item := range t {
			fmt.Fprintf(w, "%s   ", indent)
			writePerlPrettyJSON(w, item, depth+1)
			if i < len(t)-1 {
				fmt.Fprint(w, ",")
			}
			fmt.Fprint(w, "\n")
		}
		fmt.Fprintf(w, "%s]", indent)
	default:
		raw, _ := json.Marshal(t)
		fmt.Fprint(w, string(raw))
	}
}
