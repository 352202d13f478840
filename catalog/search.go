package catalog

import (
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Search returns the apps matching every given filter: a category, a tag,
// and a query over name, description and tags (case-insensitive).
func (c *Catalog) Search(category, tag, query string) []*App {
	q := strings.ToLower(strings.TrimSpace(query))
	var out []*App
	for _, a := range c.Apps() {
		if category != "" && !strings.EqualFold(a.Category, category) {
			continue
		}
		if tag != "" && !containsFold(a.Tags, tag) {
			continue
		}
		if q != "" && !strings.Contains(strings.ToLower(a.Name+"\n"+a.Description+"\n"+strings.Join(a.Tags, "\n")+"\n"+a.ID), q) {
			continue
		}
		out = append(out, a)
	}
	return out
}

func containsFold(list []string, v string) bool {
	for _, e := range list {
		if strings.EqualFold(e, v) {
			return true
		}
	}
	return false
}

// CategoryCount is a category with how many apps it holds.
type CategoryCount struct {
	Name  string
	Count int
}

// CategoryCounts counts apps per category, in catalog category order.
func CategoryCounts(apps []*App) []CategoryCount {
	counts := map[string]int{}
	for _, a := range apps {
		counts[a.Category]++
	}
	var out []CategoryCount
	for _, name := range Categories {
		if counts[name] > 0 {
			out = append(out, CategoryCount{name, counts[name]})
			delete(counts, name)
		}
	}
	var rest []string
	for name := range counts {
		rest = append(rest, name)
	}
	sort.Strings(rest)
	for _, name := range rest {
		out = append(out, CategoryCount{name, counts[name]})
	}
	return out
}

// Closest suggests up to n ids near a mistyped one: prefix or substring
// matches first, then by edit distance.
func (c *Catalog) Closest(id string, n int) []string {
	id = strings.ToLower(id)
	type scored struct {
		id    string
		score int
	}
	var all []scored
	for known := range c.apps {
		score := editDistance(id, known)
		if strings.HasPrefix(known, id) || strings.Contains(known, id) || strings.Contains(id, known) {
			score -= 100
		}
		all = append(all, scored{known, score})
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].score != all[j].score {
			return all[i].score < all[j].score
		}
		return all[i].id < all[j].id
	})
	var out []string
	for i := 0; i < n && i < len(all); i++ {
		out = append(out, all[i].id)
	}
	return out
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ComposeYAML renders the compose document as YAML text, keys sorted.
func (a *App) ComposeYAML() (string, error) {
	out, err := yaml.Marshal(a.DockerCompose)
	return string(out), err
}

// ServiceNames lists the compose services, the app's main service first.
func (a *App) ServiceNames() []string {
	services, _ := a.DockerCompose["services"].(map[string]any)
	main := a.mainService(services)
	names := make([]string, 0, len(services))
	for name := range services {
		if name != main {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if main != "" {
		names = append([]string{main}, names...)
	}
	return names
}
