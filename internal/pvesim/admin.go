package pvesim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// serveAdmin answers the simulator's own endpoints outside /api2:
//
//	GET  /_sim/stats   request, task and command counters (JSON)
//	POST /_sim/faults  replace the fault rules (body: a spec, or {"spec": "..."})
//	GET  /_sim/faults  the active spec
//	POST /_sim/reset   zero the counters
//
// They need the API token, like the API itself, so that a simulator on a
// shared machine cannot be reconfigured by anyone who can reach the port.
func (s *Simulator) serveAdmin(w http.ResponseWriter, hr *http.Request) {
	if _, _, err := s.authenticate(hr, hr.URL.Path); err != nil {
		http.Error(w, err.Message, err.Status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch hr.Method + " " + hr.URL.Path {
	case "GET /_sim/stats":
		_ = json.NewEncoder(w).Encode(s.Stats())
	case "GET /_sim/faults":
		_ = json.NewEncoder(w).Encode(map[string]string{"spec": s.faults.current()})
	case "POST /_sim/faults":
		body, _ := io.ReadAll(io.LimitReader(hr.Body, 1<<20))
		spec := strings.TrimSpace(string(body))
		var obj struct {
			Spec string `json:"spec"`
		}
		if strings.HasPrefix(spec, "{") {
			if err := json.Unmarshal(body, &obj); err != nil {
				http.Error(w, "body must be a fault spec or {\"spec\": \"...\"}: "+err.Error(), http.StatusBadRequest)
				return
			}
			spec = obj.Spec
		}
		if err := s.SetFaults(spec); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"spec": spec})
	case "POST /_sim/quorum":
		var obj struct {
			Quorate bool `json:"quorate"`
		}
		if err := json.NewDecoder(io.LimitReader(hr.Body, 1<<10)).Decode(&obj); err != nil {
			http.Error(w, "body must be {\"quorate\": true|false}: "+err.Error(), http.StatusBadRequest)
			return
		}
		s.SetQuorate(obj.Quorate)
		_ = json.NewEncoder(w).Encode(map[string]bool{"quorate": obj.Quorate})
	case "POST /_sim/reset":
		s.ResetStats()
		_ = json.NewEncoder(w).Encode(map[string]bool{"reset": true})
	default:
		http.Error(w, "unknown simulator endpoint; use /_sim/stats, /_sim/faults, /_sim/quorum or /_sim/reset", http.StatusNotFound)
	}
}
