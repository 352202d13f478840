package deploy

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// composeV1File is the rendered compose file as Compose v1 accepts it.
// Debian 12's docker-compose 1.29.2 validates against a compose_spec.json
// that predates the top-level `name` and the depends_on options `required`
// and `restart` ("'name' does not match any of the regexes: '^x-'",
// "depends_on contains unsupported option: 'required'"); it accepts the
// long depends_on form with `condition`. The project name travels as -p
// instead, which every compose command Proximity runs passes. The values
// stay escaped ($$), which v1 also reads back as $.
func composeV1File(rendered []byte) ([]byte, error) {
	out, err := editYAML(rendered, func(root *yaml.Node) {
		if len(root.Content) == 0 {
			return
		}
		top := root.Content[0]
		dropKeys(top, func(k string) bool { return k != "name" })
		services := mapValue(top, "services")
		if services == nil {
			return
		}
		for i := 1; i < len(services.Content); i += 2 {
			deps := mapValue(services.Content[i], "depends_on")
			if deps == nil || deps.Kind != yaml.MappingNode {
				continue
			}
			for j := 1; j < len(deps.Content); j += 2 {
				dropKeys(deps.Content[j], func(k string) bool { return k == "condition" })
			}
		}
	})
	if err != nil {
		return nil, fmt.Errorf("rewriting the compose file for Compose v1: %w", err)
	}
	return out, nil
}
