package pvesim

import "slices"

// optionRule is one entry of a storage plugin's options(): a fixed option is
// required when the storage is created and never changes afterwards; an
// optional one may be left out or deleted.
type optionRule struct {
	fixed    bool
	optional bool
}

// storagePlugin is what PVE::Storage::<Type>Plugin declares about a type:
// the content types it can hold (plugindata content[0]) and its default
// (content[1]), the options a section of that type may carry, the options
// kept out of storage.cfg, and whether its content is the same on all nodes.
type storagePlugin struct {
	typ            string
	content        []string
	defaultContent []string
	options        map[string]optionRule
	sensitive      []string
	// fileBased types have a path; download-url and uploads need one.
	fileBased bool
	// capacity is the simulated size of one storage of this type.
	capacity int64
	// formats and defaultFormat are plugindata's format, when it has one.
	formats       []string
	defaultFormat string
}

var (
	ruleOptional = optionRule{optional: true}
	ruleFixed    = optionRule{fixed: true}
)

// storagePlugins are the simulated types, per release: PVE 9 dropped
// maxfiles and added snapshot-as-volume-chain to dir and nfs (Plugin.pm,
// DirPlugin.pm, NFSPlugin.pm, LvmThinPlugin.pm, ZFSPoolPlugin.pm,
// PBSPlugin.pm options() on stable-8 and master).
func storagePlugins(release string) map[string]*storagePlugin {
	pve8 := release != "9.1"
	with := func(m map[string]optionRule, extra map[string]optionRule) map[string]optionRule {
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	dirLike := func() map[string]optionRule {
		m := map[string]optionRule{
			"path": ruleFixed, "content-dirs": ruleOptional, "nodes": ruleOptional, "disable": ruleOptional,
			"prune-backups": ruleOptional, "max-protected-backups": ruleOptional, "content": ruleOptional, "format": ruleOptional,
			"mkdir": ruleOptional, "create-base-path": ruleOptional, "create-subdirs": ruleOptional, "bwlimit": ruleOptional,
			"preallocation": ruleOptional,
		}
		if pve8 {
			m["maxfiles"] = ruleOptional
		} else {
			m["snapshot-as-volume-chain"] = optionRule{fixed: true, optional: true}
		}
		return m
	}
	allFiles := []string{"backup", "images", "import", "iso", "rootdir", "snippets", "vztmpl"}
	plugins := map[string]*storagePlugin{
		"dir": {
			typ: "dir", content: append(slices.Clone(allFiles), "none"), defaultContent: []string{"images", "rootdir"},
			options:   with(dirLike(), map[string]optionRule{"shared": ruleOptional, "is_mountpoint": ruleOptional}),
			fileBased: true, capacity: 100 * gib,
			formats: []string{"qcow2", "raw", "subvol", "vmdk"}, defaultFormat: "raw",
		},
		"nfs": {
			typ: "nfs", content: allFiles, defaultContent: []string{"images"},
			options:   with(dirLike(), map[string]optionRule{"server": ruleFixed, "export": ruleFixed, "options": ruleOptional}),
			fileBased: true, capacity: 1024 * gib,
			formats: []string{"qcow2", "raw", "vmdk"}, defaultFormat: "raw",
		},
		"lvmthin": {
			typ: "lvmthin", content: []string{"images", "rootdir"}, defaultContent: []string{"images", "rootdir"},
			options: map[string]optionRule{
				"thinpool": ruleFixed, "vgname": ruleFixed, "nodes": ruleOptional, "disable": ruleOptional, "content": ruleOptional, "bwlimit": ruleOptional,
			},
			capacity: 200 * gib,
		},
		"zfspool": {
			typ: "zfspool", content: []string{"images", "rootdir"}, defaultContent: []string{"images", "rootdir"},
			options: map[string]optionRule{
				"pool": ruleFixed, "blocksize": ruleOptional, "sparse": ruleOptional, "nodes": ruleOptional, "disable": ruleOptional,
				"content": ruleOptional, "bwlimit": ruleOptional, "mountpoint": ruleOptional,
			},
			capacity: 400 * gib,
			formats:  []string{"raw", "subvol"}, defaultFormat: "raw",
		},
		"pbs": {
			typ: "pbs", content: []string{"backup", "none"}, defaultContent: []string{"backup"},
			options: map[string]optionRule{
				"server": ruleFixed, "datastore": ruleFixed, "namespace": ruleOptional, "port": ruleOptional, "nodes": ruleOptional,
				"disable": ruleOptional, "content": ruleOptional, "username": ruleOptional, "password": ruleOptional,
				"encryption-key": ruleOptional, "master-pubkey": ruleOptional, "prune-backups": ruleOptional,
				"max-protected-backups": ruleOptional, "fingerprint": ruleOptional,
			},
			sensitive: []string{"encryption-key", "master-pubkey", "password"},
			capacity:  2048 * gib,
		},
	}
	if pve8 {
		plugins["pbs"].options["maxfiles"] = ruleOptional
	}
	return plugins
}

// storageOptionKind is the JSON type of a storage property, which decides
// how storage.cfg prints it and how GET /storage returns it.
func storageOptionKind(name string) string {
	switch name {
	case "disable", "shared", "mkdir", "create-base-path", "create-subdirs", "sparse",
		"snapshot-as-volume-chain", "nocow", "krbd", "fuse", "tagged_only", "saferemove",
		"nowritecache", "skip-cert-verification":
		return "boolean"
	case "maxfiles", "max-protected-backups", "port":
		return "integer"
	}
	return "string"
}

// storageContentOrder is the order the simulator prints content lists in.
// PVE prints the keys of a Perl hash, whose order varies per process; a
// fixed order is one of the orders PVE can print.
var storageContentOrder = []string{"images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import", "none"}

// sharedStorageTypes are Plugin.pm's @SHARED_STORAGE: parse_config sets
// shared=1 on sections of these types whatever the file says, including
// types the simulator does not model (cifs, rbd, ...).
var sharedStorageTypes = map[string]bool{
	"iscsi": true, "nfs": true, "cifs": true, "rbd": true, "cephfs": true,
	"iscsidirect": true, "glusterfs": true, "zfs": true, "drbd": true, "pbs": true,
}
