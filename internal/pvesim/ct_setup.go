package pvesim

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/shell"
)

// A container's name, as PVE and LXC give it. hostname is a fast-plug
// option (pve-container src/PVE/LXC/Config.pm $LXC_FASTPLUG_OPTIONS): a
// change is written to the config at once, running or not, and nothing
// inside the container changes then. At every start, the pre-start hook
// writes it into the container (PVE::LXC::Setup::Base pre_start_hook ->
// set_hostname: /etc/hostname and PVE's section of /etc/hosts), and LXC
// gives the container's UTS namespace the configured name (lxc.uts.name,
// PVE::LXC update_lxc_config). Root inside may rename the running system
// (hostname NAME: sethostname in its own UTS namespace).

// setHostname is set_hostname with update_etc_hosts: /etc/hostname gets
// the name's first label, and /etc/hosts a PVE section mapping the primary
// static IPv4 of the config (get_primary_ips), else 127.0.1.1, to the name,
// with localhost lines when the rest of the file has none. It runs with
// s.mu held, at start.
func setHostname(g *guest) {
	name := g.Config["hostname"]
	if name == "" {
		name = "localhost"
	}
	namepart, _, _ := strings.Cut(name, ".")
	all := name
	if strings.Contains(name, ".") {
		all = name + " " + namepart
	}
	rest := ""
	if data, err := g.RootFS.ReadFile("/etc/hosts"); err == nil {
		rest = removePVESection(string(data))
	}
	var section strings.Builder
	if !hasHostsLine(rest, "127.0.0.1") {
		section.WriteString("127.0.0.1 localhost.localnet localhost\n")
	}
	if !hasHostsLine(rest, "::1") {
		section.WriteString("::1 localhost.localnet localhost\n")
	}
	ip := "127.0.1.1"
	if p, err := netip.ParsePrefix(propertyValue(g.Config["net0"], "ip")); err == nil {
		ip = p.Addr().String()
	} else if namepart == "localhost" {
		all = namepart
	}
	fmt.Fprintf(&section, "%s %s\n", ip, all)
	_ = g.RootFS.WriteFile("/etc/hosts", []byte(modifyPVESection(rest, section.String())), 0o644)
	_ = g.RootFS.WriteFile("/etc/hostname", []byte(namepart+"\n"), 0o644)
	g.UTSName = name
}

const (
	pveSectionHead = "# --- BEGIN PVE ---\n"
	pveSectionTail = "# --- END PVE ---\n"
)

// removePVESection is remove_pve_sections.
func removePVESection(data string) string {
	begin := strings.Index(data, pveSectionHead)
	end := strings.Index(data, pveSectionTail)
	if begin < 0 || end < begin {
		return data
	}
	return data[:begin] + data[end+len(pveSectionTail):]
}

// modifyPVESection is ct_modify_file for a file whose section was removed:
// the section is appended.
func modifyPVESection(rest, data string) string {
	if rest != "" && !strings.HasSuffix(rest, "\n") {
		rest += "\n"
	}
	return rest + pveSectionHead + data + pveSectionTail
}

func hasHostsLine(data, address string) bool {
	for _, line := range strings.Split(data, "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[0] == address {
			return true
		}
	}
	return false
}

// hostnameProgram is hostname inside a container: the running system's
// name, or with one argument a new one.
func (s *Simulator) hostnameProgram(g *guest) shell.Program {
	return func(c *shell.Call) int {
		s.mu.Lock()
		defer s.mu.Unlock()
		if len(c.Args) > 1 && !strings.HasPrefix(c.Args[1], "-") {
			g.UTSName = c.Args[1]
			return 0
		}
		name := g.UTSName
		if name == "" {
			data, _ := g.RootFS.ReadFile("/etc/hostname")
			name = strings.TrimSpace(string(data))
		}
		fmt.Fprintln(c.Stdout, name)
		return 0
	}
}

// setAuthorizedKeys is post_create_hook's set_user_authorized_ssh_keys for
// root: ~/.ssh made with mode 0700 when missing, and the keys written with
// ct_modify_file, in PVE's section of authorized_keys (a new file gets
// mode 0700, as the hook passes perms => 0700).
func setAuthorizedKeys(g *guest, keys string) {
	_ = g.RootFS.MkdirAll("/root/.ssh", 0o700)
	keys = strings.TrimSuffix(keys, "\n") + "\n"
	const file = "/root/.ssh/authorized_keys"
	data, err := g.RootFS.ReadFile(file)
	if err != nil {
		_ = g.RootFS.WriteFile(file, []byte(pveSectionHead+keys+pveSectionTail), 0o700)
		return
	}
	_ = g.RootFS.WriteFile(file, []byte(modifyPVESection(removePVESection(string(data)), keys)), 0o700)
}
