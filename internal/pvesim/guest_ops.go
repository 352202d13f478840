package pvesim

// guestOpRoutes registers the paths of clone, template, migrate and move_volume of containers.
func (s *Simulator) guestOpRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{}
}
