package deploy

import (
	"bytes"
	"strings"

	"go.yaml.in/yaml/v3"
)

// escapeInterpolation writes every $ of the document's values as $$, which
// both Compose v2 (compose-go) and v1 read back as one literal $. Keys are
// left alone: compose does not interpolate them, and the names Proximity
// writes cannot hold a $.
func escapeInterpolation(doc []byte) ([]byte, error) {
	return editYAML(doc, func(root *yaml.Node) {
		var walk func(n *yaml.Node)
		walk = func(n *yaml.Node) {
			switch n.Kind {
			case yaml.ScalarNode:
				n.Value = strings.ReplaceAll(n.Value, "$", "$$")
			case yaml.MappingNode:
				for i := 1; i < len(n.Content); i += 2 {
					walk(n.Content[i])
				}
			default:
				for _, c := range n.Content {
					walk(c)
				}
			}
		}
		walk(root)
	})
}

// editYAML decodes a document, lets edit change it, and encodes it again
// with the two-space indent compose-go writes.
func editYAML(doc []byte, edit func(root *yaml.Node)) ([]byte, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(doc, &root); err != nil {
		return nil, err
	}
	edit(&root)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// mapValue is the value of key in a mapping node, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// dropKeys removes the keys of a mapping node that keep says no to.
func dropKeys(m *yaml.Node, keep func(key string) bool) {
	if m == nil || m.Kind != yaml.MappingNode {
		return
	}
	var kept []*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if keep(m.Content[i].Value) {
			kept = append(kept, m.Content[i], m.Content[i+1])
		}
	}
	m.Content = kept
}
