package pvesim

import (
	"crypto/md5"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"time"
)

// aplinfoRecord is one appliance as GET /nodes/{node}/aplinfo returns it:
// the parsed record of the index file, with the template name and source
// that PVE/APLInfo.pm's read_aplinfo_from_fh adds.
type aplinfoRecord struct {
	Template     string `json:"template"`
	Package      string `json:"package"`
	Version      string `json:"version"`
	OS           string `json:"os"`
	Type         string `json:"type"`
	Section      string `json:"section"`
	Headline     string `json:"headline"`
	Description  string `json:"description"`
	Architecture string `json:"architecture"`
	Maintainer   string `json:"maintainer"`
	Infopage     string `json:"infopage"`
	Location     string `json:"location"`
	Source       string `json:"source"`
	MD5Sum       string `json:"md5sum"`
	SHA512Sum    string `json:"sha512sum"`
}

func (a appliance) record() aplinfoRecord {
	content := a.content()
	md := md5.Sum(content)
	sha := sha512.Sum512(content)
	return aplinfoRecord{
		Template: a.template, Package: a.pkg, Version: a.version, OS: a.os, Type: "lxc", Section: "system",
		Headline: a.headline, Description: a.description, Architecture: "amd64", Maintainer: aplMaintainer,
		Infopage: aplInfopage, Location: a.location(), Source: aplSource,
		MD5Sum: hex.EncodeToString(md[:]), SHA512Sum: hex.EncodeToString(sha[:]),
	}
}

// content stands for the template archive's bytes wherever the simulator
// serves or checks them: the index's checksums are those of these bytes, so
// a client that verifies a download against the index succeeds.
func (a appliance) content() []byte {
	out := []byte("pvesim template " + a.template + "\n")
	if a.userland != nil {
		out = append(out, a.userland.osRelease...)
	}
	return out
}

// listAplinfo is Nodes.pm's aplinfo GET: every record of the release's index.
func (s *Simulator) listAplinfo(*request) (any, error) {
	list := appliancesFor(s.release)
	out := make([]aplinfoRecord, 0, len(list))
	for _, a := range list {
		out = append(out, a.record())
	}
	return out, nil
}

// downloadTemplate is Nodes.pm's apl_download: an unknown template is a
// parameter error (raise_param_exc, a 400) before any worker starts, a storage
// without vztmpl content a plain die; the download runs as a "download" task
// whose id is the template name.
func (s *Simulator) downloadTemplate(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := r.params["template"]
	app, ok := s.appliance(name)
	if !ok {
		return nil, paramFail("template", "no such template")
	}
	// storage_check_enabled: a disabled storage, or one not on this node,
	// takes no download.
	n := s.nodeByName(r.node())
	st, err := s.enabledStorage(n, r.params["storage"])
	if err != nil {
		return nil, err
	}
	if !st.Section.hasContent("vztmpl") {
		return nil, fail("storage '%s' does not support templates", st.ID)
	}
	dest := contentDir(st, "vztmpl") + "/" + app.template
	tk := s.startTask(n, "download", app.template, r.userForTask(), func(t *taskCtx) error {
		t.logf("starting template download from: %s", app.location())
		t.logf("target file: %s", dest)
		if err := t.sleep(3 * time.Second); err != nil {
			return err
		}
		if err := s.faults.taskFailure("download"); err != nil {
			return fmt.Errorf("download failed: %w", err)
		}
		t.logf("%d (%dMiB) downloaded", app.size, app.size/mib)
		t.logf("calculating checksum...OK, checksum verified")
		t.logf("download of '%s' to '%s' finished", app.location(), dest)
		s.mu.Lock()
		defer s.mu.Unlock()
		v := templateVolume(st.ID, app)
		st.Volumes[v.VolID] = v
		return nil
	})
	return tk.UPID, nil
}
