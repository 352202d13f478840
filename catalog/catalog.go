// Package catalog is Proximity's app catalog: one JSON file per app in apps/,
// embedded in the provider, plus the loader for user catalogs in the
// Proximity 1.0 layouts (see loadPath: a 1.0 catalog folder with
// apps/index.json or catalog.json, a folder of app files with or without
// index.json, or one file with {"items": [...]}).
package catalog

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
)

//go:embed apps/*.json
var embedded embed.FS

// Categories are the categories an app may belong to.
var Categories = []string{
	"Media", "Communication", "Monitoring", "Automation", "CMS", "Productivity", "DevOps", "AI",
	"Database", "Security", "Storage", "Development", "Web Server", "Utilities", "Networking", "Business",
}

// Defaults of Proximity 1.0 files that leave the minimum resources out.
const (
	DefaultMinMemory = 1024 // MB
	DefaultMinCPU    = 1    // cores
	DefaultMinDisk   = 8    // GB
)

// App is one catalog entry.
type App struct {
	ID            string            `json:"id"`
	Name          string            `json:"name"`
	Description   string            `json:"description"`
	Version       string            `json:"version"`
	Icon          string            `json:"icon"`
	Category      string            `json:"category"`
	DockerCompose map[string]any    `json:"docker_compose"`
	Ports         []int             `json:"ports"`
	Volumes       []string          `json:"volumes"`
	Environment   map[string]string `json:"environment"`
	MinMemory     int               `json:"min_memory"` // MB
	MinCPU        int               `json:"min_cpu"`    // cores
	MinDisk       int               `json:"min_disk"`   // GB
	Tags          []string          `json:"tags"`
	Author        string            `json:"author"`
	Website       string            `json:"website"`

	// Secrets are the Environment keys whose defaults are placeholders
	// (change-me-*): each application gets a random value of its own instead.
	// A key whose default looks like one is a secret without being listed
	// (SecretKeys), as in Proximity 1.0 catalogs, which have no such field.
	Secrets []string `json:"secrets"`

	// HealthPath is the HTTP path on the main port that answers 2xx or 3xx
	// while the app serves ("/status.php" for Nextcloud): an application's
	// health_check asks for it unless it names its own. "" means "/".
	HealthPath string `json:"healthPath,omitempty"`

	// Source is the file the entry came from ("embedded:apps/x.json" for ours).
	Source string `json:"-"`
}

// MainPort is the app's main HTTP port, used for its URL.
func (a *App) MainPort() int {
	if len(a.Ports) == 0 {
		return 0
	}
	return a.Ports[0]
}

// HealthCheckPath is the path an app's health check asks for by default.
func (a *App) HealthCheckPath() string {
	if a.HealthPath == "" {
		return "/"
	}
	return a.HealthPath
}

// rawApp reads the fields 1.0 files write loosely: min_cpu may be 0.5.
type rawApp struct {
	App
	MinCPU    *float64 `json:"min_cpu"`
	MinMemory *int     `json:"min_memory"`
	MinDisk   *int     `json:"min_disk"`
}

// decodeApp parses one entry, applying 1.0 defaults for missing minimums.
func decodeApp(data []byte, source string) (*App, error) {
	return decodeAppIn(data, source, data, 0)
}

// decodeAppIn parses an entry that starts at base in file, so that a
// mistake is reported at its line in file.
func decodeAppIn(data []byte, source string, file []byte, base int64) (*App, error) {
	var raw rawApp
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, &FileError{File: source, Err: badJSON(file, base, err)}
	}
	return fromRaw(raw, source), nil
}

func fromRaw(raw rawApp, source string) *App {
	a := raw.App
	a.MinMemory, a.MinCPU, a.MinDisk = DefaultMinMemory, DefaultMinCPU, DefaultMinDisk
	if raw.MinMemory != nil {
		a.MinMemory = *raw.MinMemory
	}
	if raw.MinCPU != nil {
		a.MinCPU = int(math.Ceil(*raw.MinCPU))
	}
	if raw.MinDisk != nil {
		a.MinDisk = *raw.MinDisk
	}
	if a.Environment == nil {
		a.Environment = map[string]string{}
	}
	a.Source = source
	return &a
}

// FileError is a problem in one catalog file, naming the file and the field.
type FileError struct {
	File  string
	Field string
	Err   error
}

func (e *FileError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("catalog file %s: field %q: %v", e.File, e.Field, e.Err)
	}
	return fmt.Sprintf("catalog file %s: %v", e.File, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// Catalog is a set of apps by id.
type Catalog struct {
	apps     map[string]*App
	Warnings []string
}

// Get returns the app with an id.
func (c *Catalog) Get(id string) (*App, bool) {
	a, ok := c.apps[id]
	return a, ok
}

// Apps lists every app sorted by id.
func (c *Catalog) Apps() []*App {
	out := make([]*App, 0, len(c.apps))
	for _, a := range c.apps {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Len is the number of apps.
func (c *Catalog) Len() int { return len(c.apps) }

// add puts an app in, returning a warning when it replaces another.
func (c *Catalog) add(a *App) {
	if old, ok := c.apps[a.ID]; ok {
		c.Warnings = append(c.Warnings, fmt.Sprintf("catalog app %q from %s overrides the one from %s", a.ID, a.Source, old.Source))
	}
	c.apps[a.ID] = a
}

var (
	embeddedOnce    sync.Once
	embeddedCatalog *Catalog
	embeddedErr     error
)

// Embedded returns the catalog built into the provider, parsed once per process.
func Embedded() (*Catalog, error) {
	embeddedOnce.Do(func() { embeddedCatalog, embeddedErr = loadEmbedded() })
	if embeddedErr != nil {
		return nil, embeddedErr
	}
	return embeddedCatalog.clone(), nil
}

func (c *Catalog) clone() *Catalog {
	out := &Catalog{apps: make(map[string]*App, len(c.apps)), Warnings: append([]string(nil), c.Warnings...)}
	for k, v := range c.apps {
		out.apps[k] = v
	}
	return out
}

func loadEmbedded() (*Catalog, error) {
	entries, err := embedded.ReadDir("apps")
	if err != nil {
		return nil, err
	}
	c := &Catalog{apps: make(map[string]*App, len(entries))}
	for _, e := range entries {
		data, err := embedded.ReadFile("apps/" + e.Name())
		if err != nil {
			return nil, err
		}
		a, err := decodeApp(data, "embedded:apps/"+e.Name())
		if err != nil {
			return nil, err
		}
		if err := a.Validate(strings.TrimSuffix(e.Name(), ".json"), nil); err != nil {
			return nil, err
		}
		c.apps[a.ID] = a
	}
	return c, nil
}
