package pvesim

import (
	"bytes"
	"fmt"
	"time"
)

// ociRegistryPull is POST /nodes/{node}/storage/{storage}/oci-registry-pull
// (pve-storage master src/PVE/API2/Storage/Status.pm oci_registry_pull, PVE
// 9.1 and later): the storage checks and the file name are settled before
// the worker starts; the worker, an "ociregistrypull" task named after the
// file, runs `skopeo copy docker://REF oci-archive:DIR/NAME.tmp.PID` and
// renames the result into vztmpl content.
func (s *Simulator) ociRegistryPull(r *request) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.nodeByName(r.node())
	st, aerr := s.fileStorageFor(n, r.params["storage"], "vztmpl")
	if aerr != nil {
		return nil, aerr
	}
	reference := r.params["reference"]
	name := reference
	if r.has("filename") {
		name = r.params["filename"]
	}
	filename := normalizeContentFilename(name) + ".tar"
	volid := st.ID + ":vztmpl/" + filename
	if st.Volumes[volid] != nil {
		return nil, fail("refusing to override existing file '%s'", filename)
	}
	pull := ociPull{reference: reference, dir: contentDir(st, "vztmpl"), filename: filename, volid: volid}
	tk := s.startTask(n, "ociregistrypull", encodeText(filename), r.userForTask(), func(t *taskCtx) error {
		return s.runOCIPull(t, st, pull)
	})
	return tk.UPID, nil
}

// ociPull is what one oci-registry-pull worker is given.
type ociPull struct {
	reference string // as the client sent it; skopeo resolves it
	dir       string // the storage's vztmpl directory
	filename  string
	volid     string
}

// runOCIPull is the worker. skopeo's report lines and errors go to the task
// log as run_command passes them; a failed skopeo fails the task with
// run_command's message.
func (s *Simulator) runOCIPull(t *taskCtx, st *storage, p ociPull) error {
	// The temporary name carries the API process's PID ($$ before the fork);
	// the simulator has none apart from the task's own.
	tmp := fmt.Sprintf("%s.tmp.%d", p.filename, t.task.PID)
	failed := fmt.Errorf("command 'skopeo copy docker://%s oci-archive:%s/%s' failed: exit code 1", p.reference, p.dir, tmp)
	if err := s.faults.taskFailure("ociregistrypull"); err != nil {
		return err
	}
	normalized := normalizeImageReference(p.reference)
	img, ok := registryImages[normalized]
	if !ok {
		t.logf("%s", skopeoOfflineError(normalized, time.Now()))
		return failed
	}
	raw, layer, config := img.archive()
	t.logf("Getting image source signatures")
	t.logf("Copying blob %s", layer.digest)
	if err := t.sleep(2 * time.Second); err != nil {
		return err
	}
	t.logf("Copying config %s", config.digest)
	t.logf("Writing manifest to image destination")
	oci, err := parseOCIArchive(bytes.NewReader(raw))
	if err != nil || oci == nil {
		return fmt.Errorf("simulator: built-in image %s is no OCI archive: %v", normalized, err)
	}
	v := &volume{
		VolID: p.volid, Content: "vztmpl", Format: downloadFormat("vztmpl", p.filename), Size: int64(len(raw)),
		CTime: time.Now().Unix(), OSRelease: oci.OSRelease, OCI: oci,
	}
	if !s.addFetchedVolume(st, v) {
		return failed
	}
	return nil
}
