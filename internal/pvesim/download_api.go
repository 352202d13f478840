package pvesim

// downloadRoutes registers the paths of download-url and query-url-metadata.
func (s *Simulator) downloadRoutes() map[string]map[string]handlerFunc {
	return map[string]map[string]handlerFunc{}
}
