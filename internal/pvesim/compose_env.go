package pvesim

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/compose-spec/compose-go/v2/dotenv"
)

// composeEnvironment is what compose interpolates with: the .env file of
// the project directory (or --env-file), overridden by the process
// environment, as both Compose v1 (compose/config/environment.py) and v2
// (compose-go cli.WithDotEnv) do.
func composeEnvironment(g *guest, environ []string, workDir, envFile string) map[string]string {
	env := map[string]string{}
	file := path.Join(workDir, ".env")
	if envFile != "" {
		file = envFile
		if !path.IsAbs(file) {
			file = path.Join(workDir, file)
		}
	}
	if raw, err := g.RootFS.ReadFile(file); err == nil {
		if parsed, err := dotenv.ParseWithLookup(bytes.NewReader(raw), func(k string) (string, bool) {
			for _, kv := range environ {
				if name, v, _ := strings.Cut(kv, "="); name == k {
					return v, true
				}
			}
			return "", false
		}); err == nil {
			for k, v := range parsed {
				env[k] = v
			}
		}
	}
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			env[k] = v
		}
	}
	return env
}

// v1Pattern is Compose v1's interpolation template (compose/config/
// interpolation.py, TemplateWithDefaultFormatter on string.Template): $$,
// $name, ${name} and ${name<op>word} for the operators :-, -, :? and ?.
var v1Pattern = regexp.MustCompile(`\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)(?:(:-|-|:\?|\?)([^}]*))?\}|())`)

// v1Missing is a required variable without a value (${X:?err}, ${X?err}).
type v1Missing struct{ name, message string }

// v1Invalid is a template v1 cannot parse ("$" alone, ${X:+y}).
type v1Invalid struct{}

// interpolateV1 substitutes one string as Compose v1 does. Unset variables
// become empty and are reported in unset; $$ becomes $.
func interpolateV1(s string, env map[string]string, unset *[]string) (string, error) {
	var failure error
	out := v1Pattern.ReplaceAllStringFunc(s, func(m string) string {
		g := v1Pattern.FindStringSubmatch(m)
		switch {
		case failure != nil:
			return ""
		case g[1] != "":
			return "$"
		case g[2] != "":
			v, ok := env[g[2]]
			if !ok {
				*unset = appendUnique(*unset, g[2])
			}
			return v
		case g[3] != "":
			name, op, word := g[3], g[4], g[5]
			v, ok := env[name]
			switch op {
			case "":
				if !ok {
					*unset = appendUnique(*unset, name)
				}
				return v
			case ":-":
				if !ok || v == "" {
					return word
				}
			case "-":
				if !ok {
					return word
				}
			case ":?", "?":
				if !ok || (op == ":?" && v == "") {
					if word == "" {
						word = name
					}
					failure = v1Missing{name: name, message: word}
					return ""
				}
			}
			return v
		}
		failure = v1Invalid{}
		return ""
	})
	if failure != nil {
		return "", failure
	}
	return out, nil
}

func (e v1Missing) Error() string { return e.message }
func (v1Invalid) Error() string   { return "invalid interpolation format" }

// interpolateV1Value walks a YAML value; option and owner name where the
// value sits for v1's messages ("image" option in service "web").
func interpolateV1Value(v any, env map[string]string, unset *[]string, option, section, owner string) (any, error) {
	switch t := v.(type) {
	case string:
		out, err := interpolateV1(t, env, unset)
		switch e := err.(type) {
		case nil:
			return out, nil
		case v1Missing:
			return nil, fmt.Errorf("Missing mandatory value for %q option interpolating %s in %s %q: %s", option, t, section, owner, e.message)
		default:
			return nil, fmt.Errorf("Invalid interpolation format for %q option in %s %q: %q", option, section, owner, t)
		}
	case map[string]any:
		out := make(map[string]any, len(t))
		for _, k := range sortedKeys(t) {
			x, err := interpolateV1Value(t[k], env, unset, option, section, owner)
			if err != nil {
				return nil, err
			}
			out[k] = x
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			x, err := interpolateV1Value(e, env, unset, option, section, owner)
			if err != nil {
				return nil, err
			}
			out[i] = x
		}
		return out, nil
	}
	return v, nil
}
