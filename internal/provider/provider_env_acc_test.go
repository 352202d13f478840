package provider

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
)

// TestAccSSHFromBpgEnvironment: a provider block whose ssh block names only
// the nodes' addresses takes the credentials from the variables a user of
// bpg's provider already set (PROXMOX_VE_SSH_PRIVATE_KEY and _USERNAME) and
// the host key from PROXIMITY_SSH_HOST_KEY, and keeps the allocation table
// on the cluster over SSH. A wrong user name or host key in the environment
// fails naming the node and what is wrong; the right ones reach the nodes.
func TestAccSSHFromBpgEnvironment(t *testing.T) {
	e := newSimEnv(t, "")
	t.Setenv("PROXMOX_VE_SSH_PRIVATE_KEY", e.info.SSHPrivateKey)
	t.Setenv("PROXMOX_VE_SSH_USERNAME", "nobody")
	t.Setenv("PROXIMITY_SSH_HOST_KEY", hostKeyLine(t))
	block := rawHCL(e.provider(withSSHOnly(sshBlockSettings{Nodes: maps.Clone(e.info.SSHNodes)})))
	a := portAllocation("a").str("owner", "from the environment")
	cfg := config(block, a)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				// Another node's key is pinned: the node's own key is refused.
				Config:      cfg,
				ExpectError: errorLike(`the host key does not match the pinned host key.*ssh.host_key \(or PROXIMITY_SSH_HOST_KEY\) pins another key`),
			},
			{
				PreConfig:   func() { t.Setenv("PROXIMITY_SSH_HOST_KEY", e.info.SSHHostKey) },
				Config:      cfg,
				ExpectError: errorLike(`as nobody: authentication failed`),
			},
			{
				PreConfig: func() { t.Setenv("PROXMOX_VE_SSH_USERNAME", "root") },
				Config:    cfg,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(a.address(), tfjsonpath.New("public_port"), knownvalue.Int64Exact(8100)),
					expectNodeFile(e, "pve2", allocstore.HostFile, containing(`"owner":"from the environment"`)),
				},
			},
		},
	})
}

// withCACertFile adds ca_cert_file to a rendered provider block (the
// rendering has no field for it).
func withCACertFile(block, file string) string {
	return strings.Replace(block, "provider \"proximity\" {\n", "provider \"proximity\" {\n  ca_cert_file = "+hclString(file)+"\n", 1)
}

// TestAccCACertFile: ca_cert_file trusts the CA in the file it names; a
// missing file fails naming the attribute and the file, a file without a
// certificate likewise, ca_cert_pem beside it fails at validation naming
// both, and PROXIMITY_CA_CERT_FILE works for an empty-handed block.
func TestAccCACertFile(t *testing.T) {
	e := newSimEnv(t, "")
	dir := t.TempDir()
	caFile, missing, junk := filepath.Join(dir, "pve-root-ca.pem"), filepath.Join(dir, "missing.pem"), filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(caFile, []byte(e.info.CACertPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(junk, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	noCA := e.provider(withoutCA())
	threeNodes := []statecheck.StateCheck{
		statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      withCACertFile(noCA, missing) + nodesConfig,
				ExpectError: errorLike(`Unable to read the CA certificate file .* ca_cert_file names ` + regexp.QuoteMeta(missing) + `, which cannot be read`),
			},
			{
				Config:      withCACertFile(noCA, junk) + nodesConfig,
				ExpectError: errorLike(`Invalid CA certificate file .* ca_cert_file \(` + regexp.QuoteMeta(junk) + `\) must hold a PEM certificate`),
			},
			{
				Config:      withCACertFile(e.provider(), caFile) + nodesConfig,
				ExpectError: errorLike(`Attribute "ca_cert_pem" cannot be specified when "ca_cert_file" is specified`),
			},
			{Config: withCACertFile(noCA, caFile) + nodesConfig, ConfigStateChecks: threeNodes},
			{
				PreConfig:         func() { t.Setenv("PROXIMITY_CA_CERT_FILE", caFile) },
				Config:            noCA + nodesConfig,
				ConfigStateChecks: threeNodes,
			},
		},
	})
}
