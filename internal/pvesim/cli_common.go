package pvesim

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// PVE's command line tools (pct, pvesm, pveam) are PVE::CLIHandler wrappers
// around API methods, run as root@pam on the node: the same parameters and
// checks as the API, positional arguments first, a printer for the result,
// and on a die the message on stderr with exit status 255.

// cliError is how a CLIHandler command dies: the message on stderr, exit 255.
func cliError(c *shell.Call, format string, args ...any) int {
	msg := fmt.Sprintf(format, args...)
	fmt.Fprint(c.Stderr, strings.TrimSuffix(msg, "\n")+"\n")
	return 255
}

// cliAPIError prints an API error as CLIHandler does: a parameter error as
// "400 Parameter verification failed." and one "name: message" line each.
func cliAPIError(c *shell.Call, aerr *apiError) int {
	if aerr.Status == 400 && len(aerr.Errors) > 0 {
		msg := "400 " + aerr.Message
		for _, k := range sortedKeys(aerr.Errors) {
			msg += "\n" + k + ": " + aerr.Errors[k]
		}
		return cliError(c, "%s", msg)
	}
	return cliError(c, "%s", aerr.Message)
}

// cliParams reads "--name value", "-name value" and "--name=value" options
// (a boolean option may stand without its value) and the positional
// arguments named by positional, as Getopt::Long does for CLIHandler.
func (s *Simulator) cliParams(routePath, method string, positional []string, args []string) (map[string]string, *apiError) {
	route, _ := s.routes.match(strings.Split(strings.Trim(routePath, "/"), "/"))
	params := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" || isNumber(a) {
			rest = append(rest, a)
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue {
			isBool := false
			if route != nil && route.methods[method] != nil {
				if p, ok := route.methods[method].Parameters.Lookup(name); ok && p.Type == "boolean" {
					isBool = true
				}
			}
			switch {
			case isBool && (i+1 >= len(args) || !isBoolWord(args[i+1])):
				value = "1"
			case i+1 >= len(args):
				return nil, &apiError{Status: 400, Message: fmt.Sprintf("Option %s requires an argument", name)}
			default:
				i++
				value = args[i]
			}
		}
		if old, ok := params[name]; ok {
			value = old + "\x00" + value
		}
		params[name] = value
	}
	if len(rest) < len(positional) {
		return nil, &apiError{Status: 400, Message: "not enough arguments"}
	}
	if len(rest) > len(positional) {
		return nil, &apiError{Status: 400, Message: "too many arguments"}
	}
	for i, name := range positional {
		params[name] = rest[i]
	}
	return params, nil
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil
}

func isBoolWord(s string) bool {
	switch strings.ToLower(s) {
	case "0", "1", "yes", "no", "true", "false", "on", "off":
		return true
	}
	return false
}

// cliCall runs an API method as root@pam with the simulator's own handler,
// validated against the schema, as CLIHandler calls the API's code.
func (s *Simulator) cliCall(method, path string, params map[string]string) (any, *apiError) {
	segments := strings.Split(strings.Trim(path, "/"), "/")
	route, vars := s.routes.match(segments)
	if route == nil || route.handlers[method] == nil {
		return nil, notImplemented(method, path)
	}
	s.stats.countAPIWrite("cli", method, route.template)
	if qerr := s.quorumGuard(method, route.template, vars); qerr != nil {
		return nil, qerr
	}
	all := map[string]string{}
	for k, v := range vars {
		all[k] = v
	}
	for k, v := range params {
		all[k] = v
	}
	return s.callAsRoot(route, method, all)
}

// cliWaitTask follows a worker a CLI command started: in a CLI environment
// RESTEnvironment.pm fork_worker runs it in the foreground, copies its
// output to stdout, and prints a "TASK ERROR: msg" as msg on stderr. It
// returns whether the task failed.
func (s *Simulator) cliWaitTask(c *shell.Call, nodeName, upid string) bool {
	tk, err := s.findTask(nodeName, upid)
	if err != nil {
		fmt.Fprintln(c.Stderr, err.Error())
		return true
	}
	select {
	case <-tk.done:
	case <-c.Ctx.Done():
		return true
	}
	tk.mu.Lock()
	lines := append([]string(nil), tk.Log...)
	tk.mu.Unlock()
	failed := false
	for _, l := range lines {
		switch {
		case l == "TASK OK":
		case strings.HasPrefix(l, "TASK ERROR: "):
			failed = true
			fmt.Fprintln(c.Stderr, strings.TrimPrefix(l, "TASK ERROR: "))
		case strings.HasPrefix(l, "TASK WARNINGS: "):
			fmt.Fprintf(c.Stderr, "Task finished with %s warning(s)!\n", strings.TrimPrefix(l, "TASK WARNINGS: "))
		default:
			fmt.Fprintln(c.Stdout, l)
		}
	}
	return failed
}
