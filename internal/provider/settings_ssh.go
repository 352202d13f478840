package provider

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/crypto/ssh"
)

// The environment variables of the ssh attributes, in precedence order:
// ours, then those of bpg/terraform-provider-proxmox, which its users
// already set (it reads them with the same meaning). The attribute in the
// ssh block wins over both.
var (
	envSSHUsername   = []string{"PROXIMITY_SSH_USERNAME", "PROXMOX_VE_SSH_USERNAME"}
	envSSHPrivateKey = []string{"PROXIMITY_SSH_PRIVATE_KEY", "PROXMOX_VE_SSH_PRIVATE_KEY"}
	envSSHPassword   = []string{"PROXIMITY_SSH_PASSWORD", "PROXMOX_VE_SSH_PASSWORD"}
	envSSHAgent      = []string{"PROXIMITY_SSH_AGENT", "PROXMOX_VE_SSH_AGENT"}
)

// The host key variables: for CI, where a known_hosts file is unusual.
const (
	envSSHHostKey        = "PROXIMITY_SSH_HOST_KEY"
	envSSHKnownHostsFile = "PROXIMITY_SSH_KNOWN_HOSTS_FILE"
)

// resolveSSH is the SSH configuration: the ssh block with the environment
// filling what it leaves out. Without a block, SSH is on when the
// environment gives a credential (a key, a password, or the agent), as it
// would be for a bpg user; nil means no SSH.
func resolveSSH(m *sshModel, env envLookup, diags *diag.Diagnostics) *sshSettings {
	block := m != nil
	if !block {
		m = &sshModel{} // every attribute null
	}
	s := &sshSettings{username: "root", port: 22, nodes: map[string]string{}}
	var keyFrom string
	s.privateKey, keyFrom = pick(m.PrivateKey, env, envSSHPrivateKey...)
	s.password, _ = pick(m.Password, env, envSSHPassword...)
	s.agent = resolveSSHAgent(m.Agent, env, diags)
	if !block && s.privateKey == "" && s.password == "" && !s.agent {
		return nil
	}
	checkSSHEnv(diags, "private_key", s.privateKey, keyFrom, checkPrivateKey)
	if u, _ := pick(m.Username, env, envSSHUsername...); u != "" {
		s.username = u
	}
	if !m.Port.IsNull() {
		s.port = int(m.Port.ValueInt64())
	}
	resolveHostKeys(m, env, s, diags)
	for name, v := range m.Nodes.Elements() {
		if str, ok := v.(types.String); ok {
			s.nodes[name] = str.ValueString()
		}
	}
	if s.privateKey == "" && s.password == "" && !s.agent {
		diags.AddAttributeError(path.Root("ssh"), "Missing SSH credentials",
			"The ssh block needs private_key, password or agent = true, or one of the environment variables "+
				strings.Join(append(append(envSSHPrivateKey, envSSHPassword...), envSSHAgent...), ", ")+".")
	}
	return s
}

// resolveSSHAgent is ssh.agent, else the first agent variable set, which
// must be a boolean.
func resolveSSHAgent(v types.Bool, env envLookup, diags *diag.Diagnostics) bool {
	text, from := pick(boolAsString(v), env, envSSHAgent...)
	if text == "" {
		return false
	}
	b, err := strconv.ParseBool(text)
	if err != nil {
		diags.AddAttributeError(path.Root("ssh").AtName("agent"), "Invalid "+from, fmt.Sprintf("%s=%q is not a boolean; write true or false", from, text))
	}
	return b
}

// resolveHostKeys is how node host keys are verified. A block that says how
// (host_key, known_hosts_file or insecure_ignore_host_key) is used alone;
// otherwise PROXIMITY_SSH_HOST_KEY or PROXIMITY_SSH_KNOWN_HOSTS_FILE, and
// without either the default known_hosts file.
func resolveHostKeys(m *sshModel, env envLookup, s *sshSettings, diags *diag.Diagnostics) {
	s.hostKey = m.HostKey.ValueString()
	s.knownHostsFile = m.KnownHostsFile.ValueString()
	s.insecureIgnoreHostKey = m.InsecureIgnoreHostKey.ValueBool()
	if s.insecureIgnoreHostKey {
		diags.AddAttributeWarning(path.Root("ssh").AtName("insecure_ignore_host_key"), "SSH host keys are not verified",
			"insecure_ignore_host_key = true accepts any host key, so a machine that answers in a node's place receives root's session. Set host_key or "+
				"known_hosts_file.")
	}
	if s.hostKey != "" || s.knownHostsFile != "" || s.insecureIgnoreHostKey {
		return
	}
	s.hostKey, _ = pick(types.StringNull(), env, envSSHHostKey)
	s.knownHostsFile, _ = pick(types.StringNull(), env, envSSHKnownHostsFile)
	if s.hostKey != "" && s.knownHostsFile != "" {
		diags.AddAttributeError(path.Root("ssh").AtName("host_key"), "Conflicting SSH host key settings",
			"Both "+envSSHHostKey+" and "+envSSHKnownHostsFile+" are set; unset one of them.")
	}
	checkSSHEnv(diags, "host_key", s.hostKey, envSSHHostKey, checkHostKeyLine)
}

// checkHostKeyLine is hostKeyValidator's check, for a key from the
// environment.
func checkHostKeyLine(v string) string {
	if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(v)); err != nil {
		return "host_key must be a public key line such as \"ssh-ed25519 AAAA...\" (ssh-keyscan prints them, or /etc/ssh/ssh_host_ed25519_key.pub " +
			"on the node)"
	}
	return ""
}

// checkSSHEnv is checkEnv for an attribute of the ssh block.
func checkSSHEnv(diags *diag.Diagnostics, attr, value, envName string, check func(string) string) {
	if envName == "" || value == "" {
		return
	}
	if problem := check(value); problem != "" {
		diags.AddAttributeError(path.Root("ssh").AtName(attr), "Invalid "+envName, "from the environment variable "+envName+": "+problem)
	}
}
