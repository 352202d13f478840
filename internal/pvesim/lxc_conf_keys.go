package pvesim

import (
	"slices"
	"strings"
)

// Raw lxc.* lines of a container config are kept only for the keys PVE
// knows (pve-container src/PVE/LXC/Config.pm $valid_lxc_conf_keys and
// is_valid_lxc_conf_key). parse_pct_config warns about any other key and
// leaves its line out of the config, so the next write of the file drops it.

// validLxcConfKeys84 is $valid_lxc_conf_keys of PVE 8 (branch
// stable-bookworm); the value is "" for a valid key, or the reason a known
// key is refused.
var validLxcConfKeys84 = map[string]string{
	"lxc.apparmor.profile": "", "lxc.apparmor.allow_incomplete": "", "lxc.apparmor.allow_nesting": "",
	"lxc.apparmor.raw": "", "lxc.selinux.context": "", "lxc.include": "", "lxc.arch": "",
	"lxc.uts.name": "", "lxc.signal.halt": "", "lxc.signal.reboot": "", "lxc.signal.stop": "",
	"lxc.init.cmd": "", "lxc.pty.max": "", "lxc.console.logfile": "", "lxc.console.path": "",
	"lxc.tty.max": "", "lxc.devtty.dir": "", "lxc.hook.autodev": "", "lxc.autodev": "", "lxc.kmsg": "",
	"lxc.mount.fstab": "", "lxc.mount.entry": "", "lxc.mount.auto": "",
	"lxc.rootfs.path":    "lxc.rootfs.path is auto generated from rootfs",
	"lxc.rootfs.mount":   "",
	"lxc.rootfs.options": `lxc.rootfs.options is not supported, please use mount point options in the "rootfs" key`,
	"lxc.cap.drop":       "", "lxc.cap.keep": "", "lxc.seccomp.profile": "", "lxc.seccomp.notify.proxy": "",
	"lxc.seccomp.notify.cookie": "", "lxc.idmap": "", "lxc.hook.pre-start": "", "lxc.hook.pre-mount": "",
	"lxc.hook.mount": "", "lxc.hook.start": "", "lxc.hook.stop": "", "lxc.hook.post-stop": "",
	"lxc.hook.clone": "", "lxc.hook.destroy": "", "lxc.hook.version": "", "lxc.log.level": "",
	"lxc.log.file": "", "lxc.start.auto": "", "lxc.start.delay": "", "lxc.start.order": "",
	"lxc.group": "", "lxc.environment": "",
	"lxc.sysctl.fs.mqueue": "", "lxc.sysctl.kernel.msgmax": "", "lxc.sysctl.kernel.msgmnb": "",
	"lxc.sysctl.kernel.msgmni": "", "lxc.sysctl.kernel.sem": "", "lxc.sysctl.kernel.shmall": "",
	"lxc.sysctl.kernel.shmmax": "", "lxc.sysctl.kernel.shmmni": "", "lxc.sysctl.kernel.shm_rmid_forced": "",
}

// validLxcConfKeys91Extra are the keys PVE 9 (master) adds for OCI
// containers: the init user, groups and directory, and the environment.
var validLxcConfKeys91Extra = []string{
	"lxc.init.cwd", "lxc.init.uid", "lxc.init.gid", "lxc.init.groups",
	"lxc.environment.runtime", "lxc.environment.hooks",
}

// deprecatedLxcConfKeys are the lxc 2 names PVE still accepts (with a
// warning, under their old name) after lxc 3.0 renamed them.
var deprecatedLxcConfKeys = map[string]bool{
	"lxc.aa_profile": true, "lxc.aa_allow_incomplete": true, "lxc.console": true,
	"lxc.devttydir": true, "lxc.haltsignal": true, "lxc.rebootsignal": true, "lxc.stopsignal": true,
	"lxc.id_map": true, "lxc.init_cmd": true, "lxc.loglevel": true, "lxc.logfile": true,
	"lxc.mount": true, "lxc.network.type": true, "lxc.network.flags": true, "lxc.network.link": true,
	"lxc.network.mtu": true, "lxc.network.name": true, "lxc.network.hwaddr": true,
	"lxc.network.ipv4": true, "lxc.network.ipv4.gateway": true, "lxc.network.ipv6": true,
	"lxc.network.ipv6.gateway": true, "lxc.network.script.up": true, "lxc.network.script.down": true,
	"lxc.pts": true, "lxc.se_context": true, "lxc.seccomp": true, "lxc.tty": true,
	"lxc.utsname": true,
}

// lxcConfKeyValid is is_valid_lxc_conf_key for a release: whether a raw
// line with this key is kept. The lxc 2 names (lxc.limit.*, the deprecated
// ones) and the open families (cgroup, cgroup2, prlimit, net) are kept with
// a warning or silently; a known key with a reason (lxc.rootfs.path) and an
// unknown one are not.
func lxcConfKeyValid(release, key string) bool {
	if strings.HasPrefix(key, "lxc.limit.") || deprecatedLxcConfKeys[key] {
		return true
	}
	if reason, ok := validLxcConfKeys84[key]; ok {
		return reason == ""
	}
	if release != release84 && slices.Contains(validLxcConfKeys91Extra, key) {
		return true
	}
	for _, prefix := range []string{"lxc.cgroup.", "lxc.cgroup2.", "lxc.prlimit.", "lxc.net."} {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}
