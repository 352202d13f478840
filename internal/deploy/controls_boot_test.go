package deploy

import (
	"testing"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestParseStartup reads PVE's startup option as pve-common's
// pve_parse_startup_order does (JSONSchema.pm): a bare number is the
// order, and anything but order, up and down with a non-negative integer
// is refused. String prints the form the API takes.
func TestParseStartup(t *testing.T) {
	for text, want := range map[string]string{
		"order=2,up=10": "order=2,up=10",
		"3":             "order=3",
		"down=20,3":     "order=3,down=20",
		" up=0 ":        "up=0",
		"":              "",
	} {
		s, err := ParseStartup(text)
		if err != nil {
			t.Fatalf("ParseStartup(%q): %v", text, err)
		}
		if got := s.String(); got != want {
			t.Errorf("ParseStartup(%q).String() = %q, want %q", text, got, want)
		}
	}
	for _, bad := range []string{"order=-1", "up=x", "delay=3", "order=+2"} {
		if _, err := ParseStartup(bad); err == nil {
			t.Errorf("ParseStartup(%q) accepted it; PVE refuses it", bad)
		}
	}
}

// TestObserveBootDefaults: options a config leaves out read as PVE's
// defaults (onboot 0, swap 512, protection 0, no startup), so an imported
// container's plan compares real values.
func TestObserveBootDefaults(t *testing.T) {
	b := observeBoot(&pveclient.ContainerConfig{})
	if *b.OnBoot || *b.Swap != 512 || *b.Protection || b.Startup != nil {
		t.Errorf("observeBoot of an empty config = onboot %v, swap %d, protection %v, startup %v", *b.OnBoot, *b.Swap, *b.Protection, b.Startup)
	}
	yes, swap := true, 0
	b = observeBoot(&pveclient.ContainerConfig{OnBoot: &yes, Swap: &swap, Extra: map[string]string{"protection": "1", "startup": "1,up=5"}})
	if !*b.OnBoot || *b.Swap != 0 || !*b.Protection || b.Startup == nil || b.Startup.String() != "order=1,up=5" {
		t.Errorf("observeBoot = onboot %v, swap %d, protection %v, startup %v", *b.OnBoot, *b.Swap, *b.Protection, b.Startup)
	}
}

// TestBootOnUpdate: a startup without parts deletes the option, and a nil
// Boot changes nothing; protection is never part of a create.
func TestBootOnUpdate(t *testing.T) {
	var u pveclient.ContainerConfigUpdate
	(&Boot{Startup: &Startup{}}).onUpdate(&u)
	if len(u.Delete) != 1 || u.Delete[0] != "startup" || u.Boot.Startup != nil {
		t.Errorf("an empty startup: delete %v, startup %v", u.Delete, u.Boot.Startup)
	}
	var none pveclient.ContainerConfigUpdate
	(*Boot)(nil).onUpdate(&none)
	if none.Changes() != 0 {
		t.Errorf("a nil Boot changes %d options", none.Changes())
	}
	yes := true
	var s pveclient.ContainerSettings
	Boot{Protection: &yes}.onCreate(&s)
	if !*s.OnBoot || *s.Swap != DefaultSwap || s.Startup != "" {
		t.Errorf("onCreate without options: onboot %v, swap %d, startup %q", *s.OnBoot, *s.Swap, s.Startup)
	}
}

// TestWithFeatures: nesting stays on whatever is asked, a flag PVE has that
// the provider does not manage (force_rw_sys) is kept, and flags turned off
// leave the value, as PVE keeps them.
func TestWithFeatures(t *testing.T) {
	yes := true
	have := &pveclient.ContainerFeatures{Nesting: &yes, Fuse: &yes, ForceRWSys: &yes, Extra: map[string]string{"mknod": "1"}}
	got := withFeatures(have, Features{KeyCtl: true, Mount: []string{"nfs", "cifs"}}).String()
	if want := "force_rw_sys=1,keyctl=1,mount=cifs;nfs,nesting=1"; got != want {
		t.Errorf("withFeatures = %q, want %q", got, want)
	}
	if got := withFeatures(nil, Features{}).String(); got != "nesting=1" {
		t.Errorf("withFeatures of none = %q, want nesting=1", got)
	}
	if f := observeFeatures(&pveclient.ContainerConfig{Features: have}); !f.Fuse || !f.Mknod || f.KeyCtl || !f.Any() {
		t.Errorf("observeFeatures = %+v", f)
	}
	if CheckFSType("nfs") != "" || CheckFSType("nfs;cifs") == "" || CheckFSType("") == "" {
		t.Error("CheckFSType: nfs is a type, nfs;cifs two and empty none")
	}
}

// TestRestoreTakesNoProtectionFromTheArchive: PVE's restore_configuration
// copies every option the request leaves out from the archive's config, so
// both restores send protection=0, and a restore in place sends the
// container's startup.
func TestRestoreTakesNoProtectionFromTheArchive(t *testing.T) {
	req := restoreRequest(pveclient.ContainerCreateRequest{}, "local:backup/x.tar.zst", "local-lvm")
	if req.Protection == nil || *req.Protection {
		t.Errorf("a restoring create sends protection %v, want 0", req.Protection)
	}
	var s pveclient.ContainerSettings
	keepBootOnRestore(&s, &pveclient.ContainerConfig{Extra: map[string]string{"startup": "order=2"}})
	if s.Protection == nil || *s.Protection || s.Startup != "order=2" {
		t.Errorf("a restore in place: protection %v, startup %q", s.Protection, s.Startup)
	}
}
