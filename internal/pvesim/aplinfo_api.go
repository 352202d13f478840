package pvesim

import (
	"fmt"
	"slices"
	"time"
)

func (s *Simulator) listAplinfo(*request) (any, error) {
	out := make([]any, 0, len(applianceIndex))
	for _, a := range applianceIndex {
		out = append(out, map[string]any{
			"template": a.template, "package": a.pkg, "version": a.version, "os": a.os,
			"section": "system", "type": "lxc", "headline": a.headline, "architecture": "amd64",
			"description": a.headline + " LXC template image.", "infopage": "https://pve.proxmox.com/wiki/Linux_Container",
			"location":   "http://download.proxmox.com/images/system/" + a.template,
			"maintainer": "Proxmox Support Team <support@proxmox.com>", "source": "http://download.proxmox.com/images/system/" + a.template,
			"md5sum": fmt.Sprintf("%032x", len(a.template)), "sha512sum": fmt.Sprintf("%0128x", len(a.template)),
		})
	}
	return out, nil
}

func (s *Simulator) downloadTemplate(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, st, err := s.nodeStorage(r)
	if err != nil {
		return nil, err
	}
	name := r.params["template"]
	var app *appliance
	for i := range applianceIndex {
		if applianceIndex[i].template == name {
			app = &applianceIndex[i]
		}
	}
	if app == nil {
		return nil, fail("no such template - %s", name)
	}
	if !slices.Contains(st.Content, "vztmpl") {
		return nil, fail("storage '%s' does not support templates", st.ID)
	}
	tk := s.startTask(n, "download", "", r.userForTask(), func(t *taskCtx) error {
		t.logf("starting template download from: http://download.proxmox.com/images/system/%s", app.template)
		t.logf("target file: /var/lib/vz/template/cache/%s", app.template)
		if err := t.sleep(3 * time.Second); err != nil {
			return err
		}
		if err := s.faults.taskFailure("download"); err != nil {
			return fmt.Errorf("download failed: %w", err)
		}
		t.logf("%d (%dMiB) downloaded", app.size, app.size/mib)
		t.logf("calculating checksum...OK, checksum verified")
		t.logf("download of 'http://download.proxmox.com/images/system/%s' to '/var/lib/vz/template/cache/%s' finished", app.template, app.template)
		s.mu.Lock()
		defer s.mu.Unlock()
		volid := st.ID + ":vztmpl/" + app.template
		st.Volumes[volid] = &volume{VolID: volid, Content: "vztmpl", Format: templateFormat(app.template), Size: app.size, CTime: time.Now().Unix()}
		return nil
	})
	return tk.UPID, nil
}
