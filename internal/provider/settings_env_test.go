package provider

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"golang.org/x/crypto/ssh"
)

// apiEnv is the least environment a provider resolves with: an endpoint and
// a token, plus vars.
func apiEnv(vars map[string]string) envLookup {
	all := map[string]string{"PROXIMITY_ENDPOINT": "https://x", "PROXIMITY_API_TOKEN": "a@pam!t=1"}
	for k, v := range vars {
		all[k] = v
	}
	return fakeEnv(all)
}

// nullSSH is an ssh block with every attribute left out.
func nullSSH() *sshModel {
	return &sshModel{Username: types.StringNull(), PrivateKey: types.StringNull(), Password: types.StringNull(),
		Agent: types.BoolNull(), Port: types.Int64Null(), HostKey: types.StringNull(), KnownHostsFile: types.StringNull(),
		InsecureIgnoreHostKey: types.BoolNull(), Nodes: types.MapNull(types.StringType)}
}

// hostKeyLine is a fresh public key in authorized_keys format.
func hostKeyLine(t *testing.T) string {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(key)))
}

func errorsText(diags diag.Diagnostics) string {
	var all []string
	for _, d := range diags.Errors() {
		all = append(all, d.Summary()+": "+d.Detail())
	}
	return strings.Join(all, "\n")
}

func mustResolve(t *testing.T, m providerModel, env envLookup) settings {
	t.Helper()
	s, diags := resolveSettings(m, env)
	if diags.HasError() {
		t.Fatal(errorsText(diags))
	}
	return s
}

// TestSSHFromBpgEnvironment: without an ssh block, the PROXMOX_VE_SSH_*
// variables of bpg's provider turn SSH on, with their meaning.
func TestSSHFromBpgEnvironment(t *testing.T) {
	key := strangerKeyPEM(t)
	s := mustResolve(t, emptyModel(), apiEnv(map[string]string{
		"PROXMOX_VE_SSH_PRIVATE_KEY": key, "PROXMOX_VE_SSH_USERNAME": "terraform", "PROXMOX_VE_SSH_PASSWORD": "pw",
	}))
	if s.ssh == nil || s.ssh.privateKey != key || s.ssh.username != "terraform" || s.ssh.password != "pw" || s.allocationStore != "host" {
		t.Fatalf("ssh from PROXMOX_VE_SSH_*: %+v, store %q", s.ssh, s.allocationStore)
	}
	s = mustResolve(t, emptyModel(), apiEnv(map[string]string{"PROXMOX_VE_SSH_AGENT": "true"}))
	if s.ssh == nil || !s.ssh.agent || s.ssh.username != "root" {
		t.Fatalf("ssh from PROXMOX_VE_SSH_AGENT: %+v", s.ssh)
	}
	// A user name alone is no credential: SSH stays off.
	s = mustResolve(t, emptyModel(), apiEnv(map[string]string{"PROXMOX_VE_SSH_USERNAME": "terraform", "PROXMOX_VE_SSH_AGENT": "false"}))
	if s.ssh != nil {
		t.Fatalf("ssh without a credential: %+v", s.ssh)
	}
}

// TestSSHEnvironmentPrecedence: the ssh block's attribute wins, then
// PROXIMITY_SSH_*, then PROXMOX_VE_SSH_*.
func TestSSHEnvironmentPrecedence(t *testing.T) {
	ours, bpgs := strangerKeyPEM(t), strangerKeyPEM(t)
	bpg := map[string]string{
		"PROXMOX_VE_SSH_PRIVATE_KEY": bpgs, "PROXMOX_VE_SSH_USERNAME": "bpg", "PROXMOX_VE_SSH_PASSWORD": "bpg-pw", "PROXMOX_VE_SSH_AGENT": "true",
	}
	m := emptyModel()
	m.SSH = nullSSH()
	s := mustResolve(t, m, apiEnv(bpg))
	if s.ssh.privateKey != bpgs || s.ssh.username != "bpg" || s.ssh.password != "bpg-pw" || !s.ssh.agent {
		t.Errorf("PROXMOX_VE_* alone: %+v", s.ssh)
	}
	env := apiEnv(map[string]string{
		"PROXIMITY_SSH_PRIVATE_KEY": ours, "PROXMOX_VE_SSH_PRIVATE_KEY": bpgs,
		"PROXIMITY_SSH_USERNAME": "ours", "PROXMOX_VE_SSH_USERNAME": "bpg",
		"PROXIMITY_SSH_PASSWORD": "ours-pw", "PROXMOX_VE_SSH_PASSWORD": "bpg-pw",
		"PROXIMITY_SSH_AGENT": "false", "PROXMOX_VE_SSH_AGENT": "true",
	})
	s = mustResolve(t, m, env)
	if s.ssh.privateKey != ours || s.ssh.username != "ours" || s.ssh.password != "ours-pw" || s.ssh.agent {
		t.Errorf("PROXIMITY_* over PROXMOX_VE_*: %+v", s.ssh)
	}
	m.SSH.Username, m.SSH.Password, m.SSH.Agent = types.StringValue("block"), types.StringValue("block-pw"), types.BoolValue(true)
	s = mustResolve(t, m, env)
	if s.ssh.username != "block" || s.ssh.password != "block-pw" || !s.ssh.agent {
		t.Errorf("the block over the environment: %+v", s.ssh)
	}
}

// TestSSHHostKeyFromEnvironment: PROXIMITY_SSH_HOST_KEY and
// PROXIMITY_SSH_KNOWN_HOSTS_FILE fill in only when the block does not say
// how to verify host keys.
func TestSSHHostKeyFromEnvironment(t *testing.T) {
	line := hostKeyLine(t)
	m := emptyModel()
	m.SSH = nullSSH()
	m.SSH.Password = types.StringValue("pw")
	s := mustResolve(t, m, apiEnv(map[string]string{"PROXIMITY_SSH_HOST_KEY": line}))
	if s.ssh.hostKey != line || s.ssh.knownHostsFile != "" {
		t.Errorf("host key from the environment: %+v", s.ssh)
	}
	s = mustResolve(t, m, apiEnv(map[string]string{"PROXIMITY_SSH_KNOWN_HOSTS_FILE": "/ci/known_hosts"}))
	if s.ssh.knownHostsFile != "/ci/known_hosts" || s.ssh.hostKey != "" {
		t.Errorf("known hosts file from the environment: %+v", s.ssh)
	}
	m.SSH.KnownHostsFile = types.StringValue("/block/known_hosts")
	s = mustResolve(t, m, apiEnv(map[string]string{"PROXIMITY_SSH_HOST_KEY": line}))
	if s.ssh.knownHostsFile != "/block/known_hosts" || s.ssh.hostKey != "" {
		t.Errorf("the block's known_hosts_file over PROXIMITY_SSH_HOST_KEY: %+v", s.ssh)
	}
}

// TestEnvironmentErrorsNameTheVariable: a bad value from the environment
// fails naming the variable and what to write.
func TestEnvironmentErrorsNameTheVariable(t *testing.T) {
	cases := map[string]struct {
		env  map[string]string
		want string
	}{
		"agent": {map[string]string{"PROXMOX_VE_SSH_AGENT": "yes please"}, `PROXMOX_VE_SSH_AGENT="yes please" is not a boolean`},
		"bpg key": {
			map[string]string{"PROXMOX_VE_SSH_PRIVATE_KEY": "junk"},
			"Invalid PROXMOX_VE_SSH_PRIVATE_KEY: from the environment variable PROXMOX_VE_SSH_PRIVATE_KEY: the private key does not parse",
		},
		"host key": {
			map[string]string{"PROXMOX_VE_SSH_PASSWORD": "pw", "PROXIMITY_SSH_HOST_KEY": "nope"},
			"from the environment variable PROXIMITY_SSH_HOST_KEY: host_key must be a public key line",
		},
		"both host key variables": {
			map[string]string{"PROXMOX_VE_SSH_PASSWORD": "pw", "PROXIMITY_SSH_HOST_KEY": "x", "PROXIMITY_SSH_KNOWN_HOSTS_FILE": "/k"},
			"Both PROXIMITY_SSH_HOST_KEY and PROXIMITY_SSH_KNOWN_HOSTS_FILE are set",
		},
		"both CA variables": {
			map[string]string{"PROXIMITY_CA_CERT_PEM": "x", "PROXIMITY_CA_CERT_FILE": "/ca.pem"},
			"Both PROXIMITY_CA_CERT_PEM and PROXIMITY_CA_CERT_FILE are set",
		},
		"missing CA file": {
			map[string]string{"PROXIMITY_CA_CERT_FILE": "/nonexistent/ca.pem"},
			"PROXIMITY_CA_CERT_FILE names /nonexistent/ca.pem, which cannot be read",
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, diags := resolveSettings(emptyModel(), apiEnv(tc.env))
			if got := errorsText(diags); !strings.Contains(got, tc.want) {
				t.Errorf("diagnostics %q, want %q", got, tc.want)
			}
		})
	}
}

// TestOTPPrecedence: otp in the block, then PROXIMITY_OTP, then bpg's
// PROXMOX_VE_OTP.
func TestOTPPrecedence(t *testing.T) {
	m := emptyModel()
	env := map[string]string{"PROXIMITY_API_TOKEN": "", "PROXIMITY_USERNAME": "u@pve", "PROXIMITY_PASSWORD": "pw", "PROXMOX_VE_OTP": "111111"}
	if s := mustResolve(t, m, apiEnv(env)); s.client.OTP != "111111" {
		t.Errorf("PROXMOX_VE_OTP: %q", s.client.OTP)
	}
	env["PROXIMITY_OTP"] = "222222"
	if s := mustResolve(t, m, apiEnv(env)); s.client.OTP != "222222" {
		t.Errorf("PROXIMITY_OTP over PROXMOX_VE_OTP: %q", s.client.OTP)
	}
	m.OTP = types.StringValue("333333")
	if s := mustResolve(t, m, apiEnv(env)); s.client.OTP != "333333" {
		t.Errorf("otp over the environment: %q", s.client.OTP)
	}
}

// TestCACertFile: ca_cert_file is read at Configure; the block wins over the
// environment; a file without a certificate fails naming it.
func TestCACertFile(t *testing.T) {
	dir := t.TempDir()
	good, other := foreignCAPEM(t), foreignCAPEM(t)
	goodFile, junkFile := filepath.Join(dir, "ca.pem"), filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(goodFile, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junkFile, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := emptyModel()
	m.CACertFile = types.StringValue(goodFile)
	if s := mustResolve(t, m, apiEnv(map[string]string{"PROXIMITY_CA_CERT_PEM": other})); s.client.CACertPEM != good {
		t.Errorf("ca_cert_file over PROXIMITY_CA_CERT_PEM: %q", s.client.CACertPEM)
	}
	m.CACertFile = types.StringNull()
	if s := mustResolve(t, m, apiEnv(map[string]string{"PROXIMITY_CA_CERT_FILE": goodFile})); s.client.CACertPEM != good {
		t.Errorf("PROXIMITY_CA_CERT_FILE: %q", s.client.CACertPEM)
	}
	m.CACertPEM = types.StringValue(other)
	if s := mustResolve(t, m, apiEnv(map[string]string{"PROXIMITY_CA_CERT_FILE": goodFile})); s.client.CACertPEM != other {
		t.Errorf("ca_cert_pem over PROXIMITY_CA_CERT_FILE: %q", s.client.CACertPEM)
	}
	m.CACertPEM, m.CACertFile = types.StringNull(), types.StringValue(junkFile)
	_, diags := resolveSettings(m, apiEnv(nil))
	if got := errorsText(diags); !strings.Contains(got, "ca_cert_file ("+junkFile+") must hold a PEM certificate") {
		t.Errorf("a file without a certificate: %q", got)
	}
}
