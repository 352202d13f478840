package pveschema

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

//go:generate go run ./gen -in ../../../../shared/pve-api/pve-api-schema-8.4.2.json -out pve-8.4.2-subset.json
//go:generate go run ./gen -in ../../../../shared/pve-api/pve-api-schema-9.1.3.json -out pve-9.1.3-subset.json

var (
	//go:embed pve-8.4.2-subset.json
	subset84 []byte
	//go:embed pve-9.1.3-subset.json
	subset91 []byte
)

// Releases are the PVE releases whose schemas are embedded, oldest first.
var Releases = []string{"8.4", "9.1"}

func subsetOf(release string) ([]byte, error) {
	switch release {
	case "8.4":
		return subset84, nil
	case "9.1":
		return subset91, nil
	}
	return nil, fmt.Errorf("unknown PVE release %q (known: 8.4, 9.1)", release)
}

// Prop is one parameter's schema.
type Prop struct {
	Type                 string           `json:"type"`
	Optional             flag             `json:"optional"`
	Minimum              *number          `json:"minimum"`
	Maximum              *number          `json:"maximum"`
	MinLength            *number          `json:"minLength"`
	MaxLength            *number          `json:"maxLength"`
	Enum                 []string         `json:"enum"`
	Pattern              string           `json:"pattern"`
	Default              any              `json:"default"`
	DefaultKey           flag             `json:"default_key"`
	Alias                string           `json:"alias"`
	Requires             string           `json:"requires"`
	FormatName           string           `json:"-"`
	FormatDict           map[string]*Prop `json:"-"`
	RawFormat            json.RawMessage  `json:"format"`
	AdditionalProperties *flag            `json:"additionalProperties"`
	Properties           map[string]*Prop `json:"properties"`

	re            *regexp.Regexp
	patternMaxLen int // a repeat bound RE2 cannot express
}

var bigRepeatRe = regexp.MustCompile(`\{(\d+),(\d+)\}`)

// flag reads PVE's 0/1 integers (and JSON booleans) as a bool.
type flag bool

func (f *flag) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	*f = flag(s == "1" || s == "true")
	return nil
}

// number reads schema numbers, which the dump sometimes writes as strings.
type number float64

func (n *number) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(strings.Trim(string(b), `"`), 64)
	if err != nil {
		return fmt.Errorf("schema number %s: %w", b, err)
	}
	*n = number(f)
	return nil
}

// Method is one HTTP method of one path.
type Method struct {
	Parameters  Prop         `json:"parameters"`
	Protected   flag         `json:"protected"`
	AllowToken  flag         `json:"allowtoken"`
	ProxyTo     string       `json:"proxyto"`
	Permissions *Permissions `json:"permissions"`
}

// Permissions is a method's permission object: `user` ("all": any
// authenticated user, the handler checks for itself; "world": no login) and
// `check`, an expression such as ["perm", "/vms/{vmid}", ["VM.Audit"]]
// that RPCEnvironment::exec_api2_perm_check evaluates. A method without one
// is for root@pam alone.
type Permissions struct {
	User  string          `json:"user"`
	Check json.RawMessage `json:"check"`
}

// Schema maps path templates ("/nodes/{node}/lxc") to their methods.
type Schema map[string]map[string]*Method

// Load parses the embedded schema subset of a release ("8.4" or "9.1").
func Load(release string) (Schema, error) {
	raw, err := subsetOf(release)
	if err != nil {
		return nil, err
	}
	var s Schema
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("embedded PVE %s schema: %w", release, err)
	}
	for path, methods := range s {
		for m, meth := range methods {
			if err := meth.Parameters.prepare(); err != nil {
				return nil, fmt.Errorf("%s %s: %w", m, path, err)
			}
		}
	}
	return s, nil
}

// MustLoad is Load for package initialisation; the embedded files are fixed at build time.
func MustLoad(release string) Schema {
	s, err := Load(release)
	if err != nil {
		panic(err)
	}
	return s
}

// prepare decodes the format (a name or a property-string dictionary) and
// compiles patterns, recursively.
func (p *Prop) prepare() error {
	if len(p.RawFormat) > 0 {
		if p.RawFormat[0] == '"' {
			if err := json.Unmarshal(p.RawFormat, &p.FormatName); err != nil {
				return err
			}
		} else if err := json.Unmarshal(p.RawFormat, &p.FormatDict); err != nil {
			return err
		}
	}
	if p.Pattern != "" {
		// PVE anchors patterns (m/^$pattern$/) and dumps them in Perl syntax:
		// (?^i:...) groups, and repeat counts beyond RE2's limit of 1000,
		// which are kept as a length bound instead.
		goPattern := strings.NewReplacer("(?^:", "(?:", "(?^i:", "(?i:").Replace(p.Pattern)
		if m := bigRepeatRe.FindStringSubmatch(goPattern); m != nil {
			if n, _ := strconv.Atoi(m[2]); n > 1000 {
				goPattern = strings.Replace(goPattern, m[0], "{"+m[1]+",}", 1)
				p.patternMaxLen = n
			}
		}
		re, err := regexp.Compile("^(?:" + goPattern + ")$")
		if err != nil {
			return fmt.Errorf("pattern %q: %w", p.Pattern, err)
		}
		p.re = re
	}
	for _, sub := range p.Properties {
		if err := sub.prepare(); err != nil {
			return err
		}
	}
	for _, sub := range p.FormatDict {
		if err := sub.prepare(); err != nil {
			return err
		}
	}
	return nil
}

// indexed matches collapsed parameter names such as "net[n]" against "net0".
var indexedLimits = map[string]int{"net": 31, "mp": 255, "unused": 255, "dev": 255}

// Lookup finds the schema of a parameter, expanding indexed names (net0 -> net[n]).
func (p *Prop) Lookup(name string) (*Prop, bool) {
	if sub, ok := p.Properties[name]; ok {
		return sub, true
	}
	base := strings.TrimRight(name, "0123456789")
	if base == name || base == "" {
		return nil, false
	}
	idx, err := strconv.Atoi(name[len(base):])
	if err != nil || idx > indexedLimits[base] || strconv.Itoa(idx) != name[len(base):] {
		return nil, false
	}
	sub, ok := p.Properties[base+"[n]"]
	return sub, ok
}
