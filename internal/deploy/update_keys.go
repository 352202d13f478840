package deploy

import (
	"context"
	"fmt"
	"strings"
)

// PVE takes ssh-public-keys only when it creates a container
// (pve-container src/PVE/API2/LXC.pm create_vm passes them to
// post_create_hook; the config has no such option to update), and writes
// them into root's authorized_keys as a marked section
// (PVE::LXC::Setup::Base set_user_authorized_ssh_keys -> ct_modify_file:
// "# --- BEGIN PVE ---" ... "# --- END PVE ---", appended to a file without
// one, replaced in place in a file with one). A change in place rewrites
// that section inside the running container the same way, so the keys
// someone added by other means outside it stay.

// Keys is a change of root's authorized keys.
type Keys struct {
	Keys     string // the configured keys, one per line; "": none (the section goes)
	Previous string // the keys configured before: also removed where they stand outside the section (a restore writes them bare)
}

// pveSection are the lines PVE puts around its part of a file.
const (
	pveSectionBegin = "# --- BEGIN PVE ---"
	pveSectionEnd   = "# --- END PVE ---"
)

// setAuthorizedKeys rewrites PVE's section of root's authorized_keys; the
// file has mode 0600 in a directory of mode 0700, as sshd's StrictModes
// wants. Only the number of keys is reported: the keys stay out of logs.
func (d *Service) setAuthorizedKeys(ctx context.Context, node string, vmid int, k Keys) (string, error) {
	file := authorizedKeysDir + "/authorized_keys"
	current, err := d.output(ctx, node, vmid, "sh", "-c", `cat "$1" 2>/dev/null || true`, "sh", file)
	if err != nil {
		return "", err
	}
	if err := d.inContainer(ctx, node, vmid, "sh", "-c", `mkdir -p "$1" && chmod 700 "$1"`, "sh", authorizedKeysDir); err != nil {
		return "", err
	}
	content := rewriteAuthorizedKeys(current, k.Keys, k.Previous)
	if err := d.pushFile(ctx, node, vmid, authorizedKeysDir, "authorized_keys", []byte(content)); err != nil {
		return "", err
	}
	return fmt.Sprintf("%d keys for root in %s", len(keyLines(k.Keys)), file), nil
}

// rewriteAuthorizedKeys puts keys in PVE's section of an authorized_keys
// file: where the section is, else at the end; without keys the section
// goes. Lines outside it that are previous or new keys go too (no key is
// listed twice, and a key removed from the configuration loses its access).
func rewriteAuthorizedKeys(current, keys, previous string) string {
	drop := map[string]bool{}
	for _, k := range append(keyLines(previous), keyLines(keys)...) {
		drop[k] = true
	}
	var section string
	if lines := keyLines(keys); len(lines) > 0 {
		section = pveSectionBegin + "\n" + strings.Join(lines, "\n") + "\n" + pveSectionEnd
	}
	var out []string
	placed, in := false, false
	for _, line := range strings.Split(strings.TrimRight(current, "\n"), "\n") {
		switch {
		case !in && strings.HasPrefix(line, pveSectionBegin):
			in = true
		case in && strings.HasPrefix(line, pveSectionEnd):
			in = false
			if section != "" && !placed {
				out, placed = append(out, section), true
			}
		case in, drop[strings.TrimSpace(line)], strings.TrimSpace(line) == "":
		default:
			out = append(out, line)
		}
	}
	if section != "" && !placed {
		out = append(out, section)
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, "\n") + "\n"
}

// keyLines are the keys of a key list, one per line, without blank lines.
func keyLines(keys string) []string {
	var out []string
	for _, line := range strings.Split(keys, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, line)
		}
	}
	return out
}

// KeysChange is the change of root's keys from previous to keys; nil when
// they stay, or when a restore sets the configured keys anyway (restoring:
// Change.SSHPublicKeys, its own step).
func KeysChange(keys, previous string, restoring bool) *Keys {
	if keys == previous || restoring {
		return nil
	}
	return &Keys{Keys: keys, Previous: previous}
}

// CheckKeys refuses, at plan time, a change of root's keys for an
// application that is not to run after the update: the keys are written
// inside the running container (setAuthorizedKeys).
func CheckKeys(k *Keys, running bool) error {
	if k != nil && !running {
		return &StoppedKeysError{}
	}
	return nil
}

// StoppedKeysError is a change of root's keys for a stopped application.
type StoppedKeysError struct{}

func (e *StoppedKeysError) Error() string {
	return "PVE takes SSH public keys only when it creates a container; a change is written into root's authorized_keys " +
		"inside the running container, and this application is to be stopped"
}
