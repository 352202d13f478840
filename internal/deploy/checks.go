package deploy

import (
	"context"
	"fmt"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The checks below are made at plan time and again at apply time, by the
// same function, so that a plan and an apply refuse in the same words.

// UnknownAppError is a catalog id the catalog does not have, with the ids
// closest to it.
type UnknownAppError struct {
	ID      string
	Closest []string
}

func (e *UnknownAppError) Error() string {
	return fmt.Sprintf("the catalog has no app %q; closest ids: %s", e.ID, strings.Join(e.Closest, ", "))
}

// CatalogApp looks an app up in the catalog; an unknown id is an
// *UnknownAppError that suggests the closest ids.
func (s *Service) CatalogApp(id string) (*catalog.App, error) {
	entry, ok := s.Catalog.Get(id)
	if !ok {
		return nil, &UnknownAppError{ID: id, Closest: s.Catalog.Closest(id, 3)}
	}
	return entry, nil
}

// NodeError is a node asked for that is not in the cluster, or is offline.
type NodeError struct {
	Node    string
	Offline bool
	Nodes   []string // the cluster's nodes
}

func (e *NodeError) Error() string {
	if e.Offline {
		return fmt.Sprintf("node %s is offline; choose another node or leave node out", e.Node)
	}
	return fmt.Sprintf("node %q is not in the cluster; nodes: %s", e.Node, strings.Join(e.Nodes, ", "))
}

// CheckNode reports, as a *NodeError, a node that is not in the cluster or
// is offline.
func (s *Service) CheckNode(ctx context.Context, node string) error {
	nodes, err := s.Client.Nodes(ctx)
	if err != nil {
		return err
	}
	return checkNode(nodes, node)
}

func checkNode(nodes []pveclient.Node, name string) error {
	names := make([]string, 0, len(nodes))
	for _, n := range nodes {
		if n.Name == name {
			if !n.Online {
				return &NodeError{Node: name, Offline: true}
			}
			return nil
		}
		names = append(names, n.Name)
	}
	return &NodeError{Node: name, Nodes: names}
}

// CheckEnvironmentName returns why compose cannot use a name as an
// environment variable, or "".
func CheckEnvironmentName(name string) string {
	if envName.MatchString(name) {
		return ""
	}
	return fmt.Sprintf("environment key %q must be a variable name: letters, digits and underscores, not starting with a digit", name)
}
