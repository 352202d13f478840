package pvesim

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
)

// An app's published ports serve a small page naming the app, so that a
// test (or a person trying `make demo`) sees which container answered,
// directly or through a gateway. Real apps answer with headers that forbid
// framing by other sites; the page sends them too, so a gateway's embed
// port has something to strip.

func init() { listenerSources = append(listenerSources, appListeners) }

// appPage names where a request landed.
type appPage struct {
	Project, Service, Container string
	VMID                        int
	Hostname                    string
	// hung is a service whose process stopped answering (HangService):
	// the kernel still accepts connections, nothing ever answers.
	hung bool
}

func (p appPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.hung {
		<-r.Context().Done()
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'self'")
	e := html.EscapeString
	fmt.Fprintf(w, "<!DOCTYPE html>\n<html><head><title>%s</title></head>\n<body>\n<h1>%s</h1>\n"+
		"<p>app <b>%s</b>, service <b>%s</b>, container <b>%s</b></p>\n<p>CT %d (%s)</p>\n</body></html>\n",
		e(p.Project+" - "+p.Service), e(p.Project), e(p.Project), e(p.Service), e(p.Container), p.VMID, e(p.Hostname))
}

// appListeners are the published TCP ports of the guest's running compose
// services, read from the docker state in the container's file tree
// (docker.go): they serve only while dockerd runs, as its proxy does.
func appListeners(s *Simulator, g *guest) []listenerSpec {
	s.mu.Lock()
	running, root, vmid := g.Running, g.RootFS, g.VMID
	host := g.UTSName
	if host == "" {
		host = g.Config["hostname"]
	}
	s.mu.Unlock()
	view := &guest{RootFS: root} // the file tree locks itself
	if !running || !dockerdRunning(view) {
		return nil
	}
	var out []listenerSpec
	for _, p := range loadProjects(view) {
		for _, svc := range p.Services {
			if svc.State != "running" {
				continue
			}
			page := appPage{Project: p.Name, Service: svc.Name, Container: svc.Container, VMID: vmid, Hostname: host, hung: hung(svc)}
			for _, port := range svc.Ports {
				if port.Protocol != "" && port.Protocol != "tcp" {
					continue
				}
				out = append(out, listenerSpec{Port: port.Published, Handler: page,
					What: "service " + svc.Name + " of app " + p.Name + " in CT " + strconv.Itoa(vmid)})
			}
		}
	}
	return out
}
