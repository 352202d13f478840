package provider

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// TestLowerLayerErrorDiagnostics: the typed errors of the layers below
// become diagnostics that name the attribute to change, as the path where
// the object at hand has it (the provider block in Configure, the resource's
// own ports), and in the detail with what to change there.
func TestLowerLayerErrorDiagnostics(t *testing.T) {
	const (
		deploying  = "deploying gitea as git: "
		sshTo      = "ssh to node pve1 (10.0.0.1:22)"
		untrusted  = "the TLS certificate of https://pve:8006 is not trusted (x509)"
		setCA      = "; set ca_cert_pem to the cluster's CA certificate (/etc/pve/pve-root-ca.pem on a node), or insecure = true for a lab"
		takenAdv   = "; request another port or release that allocation"
		widenPub   = "; widen public_port_range in the provider configuration or release unused allocations"
		reinstall  = "if the node was reinstalled, update "
		intercepts = ", otherwise someone may be intercepting the connection"
	)
	ssh := path.Root("ssh")
	wrapped := func(err error) error { return fmt.Errorf("deploying gitea as git: %w", err) }
	certificate := &pveclient.CertificateError{Endpoint: "https://pve:8006", Err: errors.New("x509")}
	pveNode := func(p nodeshell.HostKeyProblem) error {
		return wrapped(&nodeshell.HostKeyError{Node: "pve1", Addr: "10.0.0.1:22", Problem: p})
	}
	for _, c := range []struct {
		name   string
		err    error
		detail string
		// at is the attribute; inProvider: it is the provider's, so only
		// Configure gives it as the path, and a resource names it in the detail.
		at         path.Path
		inProvider bool
	}{
		{"untrusted certificate", wrapped(certificate), deploying + untrusted + setCA, path.Root("ca_cert_pem"), true},
		{"no Proxmox credentials", &pveclient.ConfigError{Field: "APIToken", Err: errors.New("no credentials")},
			"no credentials; set api_token, or username and password", path.Root("api_token"), true},
		{"CA without PEM", &pveclient.ConfigError{Field: "CACertPEM", Err: errors.New("no PEM")},
			"no PEM; check ca_cert_pem", path.Root("ca_cert_pem"), true},
		{"no SSH credentials", &nodeshell.ConfigError{Err: errors.New("no SSH credentials")},
			"no SSH credentials; set ssh.private_key, ssh.password or ssh.agent", ssh, true},
		{"bad private key", &nodeshell.ConfigError{Field: "PrivateKey", Err: errors.New("the private key does not parse")},
			"the private key does not parse; check ssh.private_key", ssh.AtName("private_key"), true},
		{"agent without socket", &nodeshell.ConfigError{Field: "Agent", Err: errors.New("SSH_AUTH_SOCK is not set")},
			"SSH_AUTH_SOCK is not set; start ssh-agent or give ssh.private_key", ssh.AtName("agent"), true},
		{"bad host key", &nodeshell.ConfigError{Field: "HostKey", Err: errors.New("the host key does not parse")},
			"the host key does not parse; check ssh.host_key", ssh.AtName("host_key"), true},
		{"missing known hosts file", &nodeshell.ConfigError{Field: "KnownHostsFile", Err: errors.New("reading known hosts /k: no such file")},
			"reading known hosts /k: no such file; set ssh.known_hosts_file or ssh.host_key", ssh.AtName("known_hosts_file"), true},
		{"unknown host key", pveNode(nodeshell.HostKeyUnknown), deploying + sshTo + ": its host key is not in the known hosts file; " +
			"or pin the node's key with ssh.host_key", ssh.AtName("host_key"), true},
		{"changed host key", pveNode(nodeshell.HostKeyChanged), deploying + sshTo + ": the host key does not match the known hosts file; " +
			reinstall + "the entry" + intercepts, ssh.AtName("known_hosts_file"), true},
		{"pinned host key mismatch", pveNode(nodeshell.HostKeyMismatch), deploying + sshTo + ": the host key does not match the pinned host key; " +
			"ssh.host_key (or PROXIMITY_SSH_HOST_KEY) pins another key; " + reinstall + "it" + intercepts, ssh.AtName("host_key"), true},
		{"authentication", wrapped(&nodeshell.AuthError{Node: "pve1", Addr: "10.0.0.1:22", User: "root"}),
			deploying + sshTo + " as root: authentication failed; check ssh.private_key or ssh.password", ssh, true},
		{"no node address", wrapped(&nodeshell.AddressError{Node: "pve4", Err: errors.New("the cluster status lists node pve4 without an address")}),
			deploying + "finding the address of node pve4: the cluster status lists node pve4 without an address; add the node's address to ssh.nodes",
			ssh.AtName("nodes"), true},
		{"untrusted certificate while resolving a node", &nodeshell.AddressError{Node: "pve4", Err: certificate},
			"finding the address of node pve4: " + untrusted + setCA, path.Root("ca_cert_pem"), true},
		{"public port taken", &allocstore.PortTakenError{Port: 8123, Holder: `"gitea" (allocation pa-1)`},
			`public port 8123 is already allocated to "gitea" (allocation pa-1)` + takenAdv, path.Root("public_port"), false},
		{"internal port taken", &allocstore.PortTakenError{Port: 9123, Holder: "CT 101 on pve1", Internal: true},
			"internal port 9123 is already allocated to CT 101 on pve1" + takenAdv, path.Root("internal_port"), false},
		{"port outside the range", &allocstore.OutOfRangeError{Port: 80, Range: allocstore.Range{From: 8100, To: 8999}},
			"public port 80 is outside the public range 8100-8999; request a port in the range or widen public_port_range in the provider configuration",
			path.Root("public_port"), false},
		{"public range exhausted", &allocstore.ExhaustedError{Kind: "public", Range: allocstore.Range{From: 8100, To: 8101}, Used: 2},
			"all 2 public ports in 8100-8101 are in use (2 allocated)" + widenPub, path.Root("public_port_range"), true},
		{"internal range exhausted", &allocstore.ExhaustedError{Kind: "internal", Range: allocstore.Range{From: 9100, To: 9100}, Used: 1},
			"all 1 internal ports in 9100-9100 are in use (1 allocated); widen internal_port_range in the provider configuration or release unused " +
				"allocations",
			path.Root("internal_port_range"), true},
		{"broken catalog file", &catalog.FileError{File: "/c/game.json", Field: "category", Err: errors.New(`unknown category "Games"`)},
			`catalog file /c/game.json: field "category": unknown category "Games"`, path.Root("catalog_paths"), true},
		{"any other error", errors.New("connection refused"), "connection refused", path.Empty(), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			var wantResource, wantConfig diag.Diagnostic = diag.NewErrorDiagnostic("S", c.detail), diag.NewErrorDiagnostic("S", c.detail)
			if c.inProvider {
				wantConfig = diag.NewAttributeErrorDiagnostic(c.at, "S", c.detail)
			} else if !c.at.Equal(path.Empty()) {
				wantResource = diag.NewAttributeErrorDiagnostic(c.at, "S", c.detail)
			}
			var resource, config diag.Diagnostics
			addError(&resource, "S", c.err.Error(), c.err)
			addConfigError(&config, path.Empty(), "S", c.err)
			if want := (diag.Diagnostics{wantResource}); !resource.Equal(want) {
				t.Errorf("addError:\n got %s\nwant %s", describe(resource), describe(want))
			}
			if want := (diag.Diagnostics{wantConfig}); !config.Equal(want) {
				t.Errorf("addConfigError:\n got %s\nwant %s", describe(config), describe(want))
			}
		})
	}
}

// TestAttributeErrorKeepsItsPath: a plan-time check keeps the attribute it
// checks and gains the advice of a cause the configuration decides.
func TestAttributeErrorKeepsItsPath(t *testing.T) {
	var diags diag.Diagnostics
	err := fmt.Errorf("listing backups: %w", &pveclient.CertificateError{Endpoint: "https://pve:8006", Err: errors.New("x509")})
	addAttributeError(&diags, path.Root("restore_from"), "Backup not found", err.Error(), err)
	addAttributeError(&diags, path.Root("template"), "Template not available", "no such template", errors.New("no such template"))
	want := diag.Diagnostics{
		diag.NewAttributeErrorDiagnostic(path.Root("restore_from"), "Backup not found",
			"listing backups: the TLS certificate of https://pve:8006 is not trusted (x509); set ca_cert_pem to the cluster's CA certificate "+
				"(/etc/pve/pve-root-ca.pem on a node), or insecure = true for a lab"),
		diag.NewAttributeErrorDiagnostic(path.Root("template"), "Template not available", "no such template"),
	}
	if !diags.Equal(want) {
		t.Errorf("got %s\nwant %s", describe(diags), describe(want))
	}
}

// TestConfigErrorFallback: an untyped error of Configure stays at the
// attribute the call site names (catalog_paths for a missing folder).
func TestConfigErrorFallback(t *testing.T) {
	var diags diag.Diagnostics
	const summary, missing = "Unable to load the app catalog", "catalog path /nope: no such file or directory"
	addConfigError(&diags, path.Root("catalog_paths"), summary, errors.New(missing))
	want := diag.Diagnostics{diag.NewAttributeErrorDiagnostic(path.Root("catalog_paths"), summary, missing)}
	if !diags.Equal(want) {
		t.Errorf("got %s\nwant %s", describe(diags), describe(want))
	}
}

// describe shows diagnostics with their paths.
func describe(diags diag.Diagnostics) string {
	out := ""
	for _, d := range diags {
		at := ""
		if wp, ok := d.(diag.DiagnosticWithPath); ok {
			at = wp.Path().String()
		}
		out += fmt.Sprintf("[%s %q at %q: %q]", d.Severity(), d.Summary(), at, d.Detail())
	}
	return out
}
