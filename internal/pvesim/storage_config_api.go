package pvesim

// storageConfigRoutes registers the paths of the cluster's storage.cfg (/storage).
func (s *Simulator) storageConfigRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{}
}
