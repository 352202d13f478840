package pvesim

// networkRoutes registers the paths of a node's network configuration (/nodes/{node}/network).
func (s *Simulator) networkRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{}
}
