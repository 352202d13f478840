package pvesim

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// storageCfgText reads /etc/pve/storage.cfg as a node shows it.
func storageCfgText(t *testing.T, sim *Simulator) string {
	t.Helper()
	raw, err := sim.cfs.ReadFile("/storage.cfg")
	if err != nil {
		t.Fatal(err)
	}
	return string(raw)
}

func storageEntry(t *testing.T, list any, id string) map[string]any {
	t.Helper()
	items, _ := list.([]any)
	for _, it := range items {
		if m := mustMap(t, it); m["storage"] == id {
			return m
		}
	}
	return nil
}

// A fresh cluster has the storage.cfg of a fresh install, and GET /storage
// returns it as $api_storage_config does (pve-storage
// src/PVE/API2/Storage/Config.pm index, Plugin.pm parse_config).
func TestStorageConfigFreshInstall(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	want := "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n\nlvmthin: local-lvm\n\tthinpool data\n\tvgname pve\n" +
		"\tcontent rootdir,images\n"
	if got := storageCfgText(t, sim); got != want {
		t.Fatalf("storage.cfg:\n%s\nwant:\n%s", got, want)
	}
	r := call(t, sim, http.MethodGet, "/storage", nil)
	local := storageEntry(t, data(r), "local")
	lvm := storageEntry(t, data(r), "local-lvm")
	if local == nil || local["type"] != "dir" || local["path"] != "/var/lib/vz" || local["content"] != "vztmpl,iso,backup" {
		t.Errorf("local: %v", local)
	}
	if lvm == nil || lvm["thinpool"] != "data" || lvm["vgname"] != "pve" || lvm["digest"] == "" {
		t.Errorf("local-lvm: %v", lvm)
	}
	if r := call(t, sim, http.MethodGet, "/storage", url.Values{"type": {"lvmthin"}}); len(mustSlice(t, data(r))) != 1 {
		t.Errorf("type=lvmthin: %v", data(r))
	}
	// format=1 adds plugindata's formats (Storage.pm storage_info).
	withFormat := data(call(t, sim, http.MethodGet, "/nodes/pve1/storage", url.Values{"format": {"1"}}))
	if f, _ := storageEntry(t, withFormat, "local")["format"].([]any); len(f) != 2 || f[1] != "raw" || mustMap(t, f[0])["qcow2"] != float64(1) {
		t.Errorf("local with format=1: %v", storageEntry(t, withFormat, "local"))
	}
	if _, ok := storageEntry(t, withFormat, "local-lvm")["format"]; ok {
		t.Errorf("lvmthin has no format in its plugindata: %v", storageEntry(t, withFormat, "local-lvm"))
	}
	if r := call(t, sim, http.MethodGet, "/storage/nope", nil); r.Status != 500 || r.Reason != "storage 'nope' does not exist" {
		t.Errorf("unknown storage: %d %s", r.Status, r.Reason)
	}
}

// POST /storage writes the section as SectionConfig::write_config prints it
// (pve-common src/PVE/SectionConfig.pm write_config: required options
// sorted, then optional ones sorted), with check_config's messages for what
// a type does not take (Config.pm create).
func TestStorageConfigCreate(t *testing.T) {
	sim := startSim(t, Options{Nodes: 2})
	r := call(t, sim, http.MethodPost, "/storage", url.Values{
		"storage": {"backups"}, "type": {"dir"}, "path": {"/mnt/backups"}, "content": {"backup,iso"}, "nodes": {"pve2"},
	})
	if r.Status != 200 {
		t.Fatalf("create: %d %s", r.Status, r.Raw)
	}
	if res := mustMap(t, data(r)); res["storage"] != "backups" || res["type"] != "dir" {
		t.Errorf("result: %v", res)
	}
	if got := storageCfgText(t, sim); !strings.HasSuffix(got, "dir: backups\n\tpath /mnt/backups\n\tcontent iso,backup\n\tnodes pve2\n\n") {
		t.Errorf("storage.cfg after create:\n%s", got)
	}
	cases := []struct {
		form   url.Values
		status int
		reason string
	}{
		{url.Values{"storage": {"backups"}, "type": {"dir"}, "path": {"/x"}}, 500, "create storage failed: storage ID 'backups' already defined"},
		{url.Values{"storage": {"d2"}, "type": {"dir"}, "path": {"/x"}, "thinpool": {"t"}}, 500, "unexpected property 'thinpool'"},
		{url.Values{"storage": {"d2"}, "type": {"dir"}}, 500, "missing value for required option 'path'"},
		{url.Values{"storage": {"t2"}, "type": {"lvmthin"}, "vgname": {"pve"}, "thinpool": {"data"}, "content": {"backup"}}, 500,
			"storage does not support content type 'none'"},
		{url.Values{"storage": {"d3"}, "type": {"dir"}, "path": {"/x"}, "password": {"secret"}}, 500, "unexpected property 'password'"},
	}
	for _, c := range cases {
		if r := call(t, sim, http.MethodPost, "/storage", c.form); r.Status != c.status || r.Reason != c.reason {
			t.Errorf("POST %v: %d %q, want %d %q", c.form, r.Status, r.Reason, c.status, c.reason)
		}
	}
	// 'nodes' restricts where the storage exists (Storage.pm storage_check_node).
	if st := storageEntry(t, data(call(t, sim, http.MethodGet, "/nodes/pve2/storage", nil)), "backups"); st == nil || st["enabled"] != float64(1) ||
		st["active"] != float64(1) {
		t.Errorf("on pve2: %v", st)
	}
	if st := storageEntry(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage", nil)), "backups"); st == nil || st["enabled"] != float64(0) ||
		st["active"] != float64(0) || st["total"] != float64(0) {
		t.Errorf("on pve1 (not in nodes): %v", st)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/storage/backups/content", nil); r.Reason != "storage 'backups' is not available on node 'pve1'" {
		t.Errorf("content on pve1: %d %s", r.Status, r.Reason)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/storage", url.Values{"content": {"backup"}}); storageEntry(t, data(r), "backups") != nil {
		t.Errorf("content=backup on pve1 lists a storage not enabled there: %v", data(r))
	}
}

// PUT /storage/{storage} (Config.pm update): digest, fixed and required
// options, delete lists; 'disable' is printed as a bare word
// (SectionConfig.pm write_config) and a disabled storage is neither active
// nor usable (Storage.pm storage_info, storage_check_enabled).
func TestStorageConfigUpdateAndDisable(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	call(t, sim, http.MethodPost, "/storage", url.Values{"storage": {"iso"}, "type": {"dir"}, "path": {"/mnt/iso"}, "content": {"iso,vztmpl"}})
	cases := []struct {
		form   url.Values
		reason string
	}{
		{url.Values{"digest": {"0123456789abcdef0123456789abcdef01234567"}, "disable": {"1"}},
			"update storage failed: detected modified configuration - file changed by other user? Try again."},
		{url.Values{"delete": {"path"}}, "update storage failed: unable to delete required option 'path'"},
		{url.Values{"delete": {"thinpool"}}, "update storage failed: no such option 'thinpool'"},
		{url.Values{"delete": {"content"}, "content": {"iso"}}, "update storage failed: cannot set and delete property 'content' at the same time!"},
	}
	for _, c := range cases {
		if r := call(t, sim, http.MethodPut, "/storage/iso", c.form); r.Status != 500 || r.Reason != c.reason {
			t.Errorf("PUT %v: %d %q, want %q", c.form, r.Status, r.Reason, c.reason)
		}
	}
	digest := mustString(t, mustMap(t, data(call(t, sim, http.MethodGet, "/storage/iso", nil)))["digest"])
	if r := call(t, sim, http.MethodPut, "/storage/iso", url.Values{"digest": {digest}, "disable": {"1"}}); r.Status != 200 {
		t.Fatalf("disable: %d %s", r.Status, r.Raw)
	}
	if got := storageCfgText(t, sim); !strings.Contains(got, "dir: iso\n\tdisable\n\tpath /mnt/iso\n\tcontent vztmpl,iso\n") {
		t.Errorf("storage.cfg:\n%s", got)
	}
	if st := storageEntry(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage", url.Values{"enabled": {"1"}})), "iso"); st != nil {
		t.Errorf("enabled=1 lists a disabled storage: %v", st)
	}
	st := mustMap(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage/iso/status", nil)))
	if st["enabled"] != float64(0) || st["active"] != float64(0) {
		t.Errorf("status of a disabled storage: %v", st)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/storage/iso/content", nil); r.Reason != "storage 'iso' is disabled" {
		t.Errorf("content of a disabled storage: %d %s", r.Status, r.Reason)
	}
	r := call(t, sim, http.MethodPost, "/nodes/pve1/storage/iso/download-url",
		url.Values{"url": {"http://127.0.0.1:1/x.iso"}, "content": {"iso"}, "filename": {"x.iso"}})
	if r.Reason != "storage 'iso' is disabled" {
		t.Errorf("download to a disabled storage: %d %s", r.Status, r.Reason)
	}
	if r := call(t, sim, http.MethodPut, "/storage/iso", url.Values{"delete": {"disable"}}); r.Status != 200 {
		t.Fatalf("enable: %d %s", r.Status, r.Raw)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/storage/iso/content", nil); r.Status != 200 {
		t.Errorf("content after enabling: %d %s", r.Status, r.Reason)
	}
	if r := call(t, sim, http.MethodDelete, "/storage/iso", nil); r.Status != 200 || strings.Contains(storageCfgText(t, sim), "dir: iso") {
		t.Errorf("delete: %d %s", r.Status, r.Raw)
	}
	if r := call(t, sim, http.MethodDelete, "/storage/iso", nil); r.Reason != "delete storage failed: storage 'iso' does not exist" {
		t.Errorf("delete twice: %d %s", r.Status, r.Reason)
	}
}

// storage.cfg edited over SSH is what the API reads (pmxcfs: one file, no
// cache of its own); a shared type is marked shared and one volume set is
// seen from every node (Plugin.pm parse_config, @SHARED_STORAGE).
func TestStorageConfigEditedOverSSH(t *testing.T) {
	sim := startSim(t, Options{Nodes: 2})
	code, out := runInCTNode(t, sim, "pve1",
		`printf '\nnfs: share\n\texport /srv/share\n\tpath /mnt/pve/share\n\tserver 10.0.0.5\n\tcontent iso,backup\n' >> /etc/pve/storage.cfg`)
	if code != 0 {
		t.Fatalf("editing storage.cfg: %d %s", code, out)
	}
	share := mustMap(t, data(call(t, sim, http.MethodGet, "/storage/share", nil)))
	if share["type"] != "nfs" || share["shared"] != float64(1) || share["server"] != "10.0.0.5" {
		t.Fatalf("share: %v", share)
	}
	sim.mu.Lock()
	same := sim.nodeByName("pve1").Storages["share"] == sim.nodeByName("pve2").Storages["share"]
	sim.mu.Unlock()
	if !same {
		t.Error("the nodes do not see one volume set of a shared storage")
	}
	list := data(call(t, sim, http.MethodGet, "/nodes/pve1/storage", url.Values{"target": {"pve2"}}))
	if storageEntry(t, list, "share") == nil || storageEntry(t, list, "local") != nil {
		t.Errorf("target=pve2 lists only shared storages available on both: %v", list)
	}
	// A section the plugin does not accept is skipped, as parse_config does.
	runInCTNode(t, sim, "pve1", `printf '\nlvmthin: broken\n\tvgname pve\n' >> /etc/pve/storage.cfg`)
	if r := call(t, sim, http.MethodGet, "/storage/broken", nil); r.Reason != "storage 'broken' does not exist" {
		t.Errorf("section without its thinpool: %d %s", r.Status, r.Reason)
	}
}

// runInCTNode runs a script in a node's shell.
//
//nolint:unparam // the node is part of the address, as in its sibling helpers; today's tests all use pve1
func runInCTNode(t *testing.T, sim *Simulator, node, script string) (int, string) {
	t.Helper()
	var out strings.Builder
	code, err := sim.RunOnNode(ctx(t), node, script, nil, &out, &out)
	if err != nil {
		t.Fatal(err)
	}
	return code, out.String()
}

// A PBS storage keeps its password in /etc/pve/priv/storage/<id>.pw and
// never in storage.cfg or the API's answers (PBSPlugin.pm on_add_hook,
// Config.pm extract_sensitive_params).
func TestStorageConfigPBSPassword(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	r := call(t, sim, http.MethodPost, "/storage", url.Values{
		"storage": {"pbs"}, "type": {"pbs"}, "server": {"10.0.0.9"}, "datastore": {"store1"},
		"username": {"backup@pbs"}, "password": {"s3cret"}, "namespace": {"pve"},
		"fingerprint": {"aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99:aa:bb:cc:dd:ee:ff:00:11:22:33:44:55:66:77:88:99"},
	})
	if r.Status != 200 {
		t.Fatalf("create pbs: %d %s", r.Status, r.Raw)
	}
	pw, err := sim.cfs.ReadFile("/priv/storage/pbs.pw")
	if err != nil || string(pw) != "s3cret\n" {
		t.Errorf("password file: %q %v", pw, err)
	}
	text := storageCfgText(t, sim)
	if strings.Contains(text, "s3cret") || !strings.Contains(text, "pbs: pbs\n\tdatastore store1\n\tserver 10.0.0.9\n\tfingerprint aa:bb:") {
		t.Errorf("storage.cfg:\n%s", text)
	}
	cfg := mustMap(t, data(call(t, sim, http.MethodGet, "/storage/pbs", nil)))
	if _, ok := cfg["password"]; ok || cfg["shared"] != float64(1) || cfg["namespace"] != "pve" {
		t.Errorf("GET /storage/pbs: %v", cfg)
	}
	call(t, sim, http.MethodPut, "/storage/pbs", url.Values{"delete": {"password"}})
	if _, err := sim.cfs.ReadFile("/priv/storage/pbs.pw"); err == nil {
		t.Error("deleting the password left its file")
	}
	if r := call(t, sim, http.MethodPut, "/storage/pbs",
		url.Values{"server": {"10.0.0.10"}}); r.Reason != "update storage failed: can't change value of fixed parameter 'server'" {
		t.Errorf("changing the server: %d %s", r.Status, r.Reason)
	}
}

// A container cannot be made on a disabled storage: storage_check_enabled
// runs before the content check (pve-container src/PVE/API2/LXC.pm create_vm,
// $check_and_activate_storage).
func TestStorageDisabledRefusesContainers(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	call(t, sim, http.MethodPost, "/storage", url.Values{"storage": {"ct"}, "type": {"dir"}, "path": {"/mnt/ct"}, "content": {"rootdir"},
		"disable": {"1"}})
	r := call(t, sim, http.MethodPost, "/nodes/pve1/lxc", url.Values{
		"vmid": {"100"}, "ostemplate": {"local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"}, "rootfs": {"ct:4"},
	})
	if r.Status != 500 || r.Reason != "storage 'ct' is disabled" {
		t.Errorf("create on a disabled storage: %d %s", r.Status, r.Reason)
	}
}

// download-url and query-url-metadata probe the node's network: besides
// Datastore.AllocateTemplate on the storage, they need Sys.Audit and
// Sys.Modify on / or Sys.AccessNetwork on the node (pve-storage
// Status.pm download_url permissions, pve-manager Nodes.pm
// query_url_metadata permissions).
func TestDownloadURLPermissions(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	token := newTokenWithACL(t, sim, "dl@pve", "acl modify /storage/local --users dl@pve --roles PVEDatastoreAdmin")
	form := url.Values{"url": {"https://127.0.0.1:1/x.iso"}, "content": {"iso"}, "filename": {"x.iso"}}
	if r := callAs(t, sim, token, http.MethodPost, "/nodes/pve1/storage/local/download-url", form); r.Status != http.StatusForbidden {
		t.Errorf("without network access: %d %s", r.Status, r.Reason)
	}
	if r := callAs(t, sim, token, http.MethodGet, "/nodes/pve1/query-url-metadata",
		url.Values{"url": {"https://127.0.0.1:1/x.iso"}}); r.Status != http.StatusForbidden {
		t.Errorf("query without network access: %d %s", r.Status, r.Reason)
	}
	pveum(t, sim, "role add NetProbe --privs Sys.AccessNetwork")
	pveum(t, sim, "acl modify /nodes/pve1 --users dl@pve --roles NetProbe")
	if r := callAs(t, sim, token, http.MethodPost, "/nodes/pve1/storage/local/download-url", form); r.Status != http.StatusOK {
		t.Errorf("with Sys.AccessNetwork: %d %s", r.Status, r.Reason)
	}
}

// Deleting a storage removes its ACL entries and pool memberships
// (pve-access-control src/PVE/AccessControl.pm remove_storage_access,
// called by Config.pm delete).
func TestStorageDeleteRemovesAccess(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	call(t, sim, http.MethodPost, "/storage", url.Values{"storage": {"tmp"}, "type": {"dir"}, "path": {"/mnt/tmp"}})
	pveum(t, sim, "user add aud@pve")
	pveum(t, sim, "acl modify /storage/tmp --users aud@pve --roles PVEAuditor")
	if raw, _ := sim.cfs.ReadFile(userCfgPath); !strings.Contains(string(raw), "/storage/tmp") {
		t.Fatalf("user.cfg without the ACL:\n%s", raw)
	}
	if r := call(t, sim, http.MethodDelete, "/storage/tmp", nil); r.Status != 200 {
		t.Fatalf("delete: %d %s", r.Status, r.Raw)
	}
	if raw, _ := sim.cfs.ReadFile(userCfgPath); strings.Contains(string(raw), "/storage/tmp") {
		t.Errorf("user.cfg still grants on the deleted storage:\n%s", raw)
	}
}

// Activating a dir storage creates its base path and one directory per
// content type on the node (DirPlugin.pm activate_storage with
// create-base-path and create-subdirs, Plugin.pm get_subdir).
func TestStorageDirActivationCreatesDirectories(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	call(t, sim, http.MethodPost, "/storage", url.Values{"storage": {"data"}, "type": {"dir"}, "path": {"/mnt/data"},
		"content": {"backup,vztmpl,rootdir"}})
	code, out := runInCTNode(t, sim, "pve1",
		"test -d /mnt/data/dump && test -d /mnt/data/template/cache && test -d /mnt/data/private && ! test -e /mnt/data/template/iso")
	if code != 0 {
		t.Errorf("directories of the dir storage: %d %s", code, out)
	}
}

// A storage of a type the simulator does not simulate (cifs here) stays in
// storage.cfg through API writes, is listed enabled but not active, and
// cannot be used: PVE could not activate it either without its server.
func TestStorageConfigKeepsForeignTypes(t *testing.T) {
	sim := startSim(t, Options{Nodes: 1})
	runInCTNode(t, sim, "pve1",
		`printf '\ncifs: smb\n\tpath /mnt/pve/smb\n\tserver 10.0.0.7\n\tshare backups\n\tcontent backup\n\tusername svc\n' >> /etc/pve/storage.cfg`)
	call(t, sim, http.MethodPost, "/storage", url.Values{"storage": {"more"}, "type": {"dir"}, "path": {"/mnt/more"}})
	if got := storageCfgText(t, sim); !strings.Contains(got,
		"cifs: smb\n\tpath /mnt/pve/smb\n\tserver 10.0.0.7\n\tshare backups\n\tcontent backup\n\tusername svc\n\n") {
		t.Errorf("the cifs section did not survive an API write:\n%s", got)
	}
	st := storageEntry(t, data(call(t, sim, http.MethodGet, "/nodes/pve1/storage", nil)), "smb")
	// Plugin.pm parse_config marks every type of @SHARED_STORAGE shared,
	// modelled or not.
	if st == nil || st["enabled"] != float64(1) || st["active"] != float64(0) || st["type"] != "cifs" || st["shared"] != float64(1) {
		t.Errorf("cifs in the node's list: %v", st)
	}
	if r := call(t, sim, http.MethodGet, "/nodes/pve1/storage/smb/content", nil); r.Reason != "storage 'smb' is not online" {
		t.Errorf("content of cifs: %d %s", r.Status, r.Reason)
	}
}
