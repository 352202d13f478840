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
	ssh := path.Root("ssh")
	wrapped := func(err error) error { return fmt.Errorf("deploying gitea as git: %w", err) }
	for _, c := range []struct {
		name string
		err  error
		// resource is what addError gives a resource; config what addConfigError gives Configure.
		resource, config diag.Diagnostic
	}{
		{
			name:     "untrusted certificate",
			err:      wrapped(&pveclient.CertificateError{Endpoint: "https://pve:8006", Err: errors.New("x509: unknown authority")}),
			resource: diag.NewErrorDiagnostic("S", "deploying gitea as git: the TLS certificate of https://pve:8006 is not trusted (x509: unknown authority); set ca_cert_pem to the cluster's CA certificate (/etc/pve/pve-root-ca.pem on a node), or insecure = true for a lab"),
			config:   diag.NewAttributeErrorDiagnostic(path.Root("ca_cert_pem"), "S", "deploying gitea as git: the TLS certificate of https://pve:8006 is not trusted (x509: unknown authority); set ca_cert_pem to the cluster's CA certificate (/etc/pve/pve-root-ca.pem on a node), or insecure = true for a lab"),
		},
		{
			name:     "no Proxmox credentials",
			err:      &pveclient.ConfigError{Field: "APIToken", Err: errors.New("no credentials")},
			resource: diag.NewErrorDiagnostic("S", "no credentials; set api_token, or username and password"),
			config:   diag.NewAttributeErrorDiagnostic(path.Root("api_token"), "S", "no credentials; set api_token, or username and password"),
		},
		{
			name:     "CA without PEM",
			err:      &pveclient.ConfigError{Field: "CACertPEM", Err: errors.New("no PEM")},
			resource: diag.NewErrorDiagnostic("S", "no PEM; check ca_cert_pem"),
			config:   diag.NewAttributeErrorDiagnostic(path.Root("ca_cert_pem"), "S", "no PEM; check ca_cert_pem"),
		},
		{
			name:     "no SSH credentials",
			err:      &nodeshell.ConfigError{Err: errors.New("no SSH credentials")},
			resource: diag.NewErrorDiagnostic("S", "no SSH credentials; set ssh.private_key, ssh.password or ssh.agent"),
			config:   diag.NewAttributeErrorDiagnostic(ssh, "S", "no SSH credentials; set ssh.private_key, ssh.password or ssh.agent"),
		},
		{
			name:     "bad private key",
			err:      &nodeshell.ConfigError{Field: "PrivateKey", Err: errors.New("the private key does not parse")},
			resource: diag.NewErrorDiagnostic("S", "the private key does not parse; check ssh.private_key"),
			config:   diag.NewAttributeErrorDiagnostic(ssh.AtName("private_key"), "S", "the private key does not parse; check ssh.private_key"),
		},
		{
			name:     "agent without socket",
			err:      &nodeshell.ConfigError{Field: "Agent", Err: errors.New("SSH_AUTH_SOCK is not set")},
			resource: diag.NewErrorDiagnostic("S", "SSH_AUTH_SOCK is not set; start ssh-agent or give ssh.private_key"),
			config:   diag.NewAttributeErrorDiagnostic(ssh.AtName("agent"), "S", "SSH_AUTH_SOCK is not set; start ssh-agent or give ssh.private_key"),
		},
		{
			name:     "bad host key",
			err:      &nodeshell.ConfigError{Field: "HostKey", Err: errors.New("the host key does not parse")},
			resource: diag.NewErrorDiagnostic("S", "the host key does not parse; check ssh.host_key"),
			config:   diag.NewAttributeErrorDiagnostic(ssh.AtName("host_key"), "S", "the host key does not parse; check ssh.host_key"),
		},
		{
			name:     "missing known hosts file",
			err:      &nodeshell.ConfigError{Field: "KnownHostsFile", Err: errors.New("reading known hosts /nonexistent/known_hosts: no such file")},
			resource: diag.NewErrorDiagnostic("S", "reading known hosts /nonexistent/known_hosts: no such file; set ssh.known_hosts_file or ssh.host_key"),
			config:   diag.NewAttributeErrorDiagnostic(ssh.AtName("known_hosts_file"), "S", "reading known hosts /nonexistent/known_hosts: no such file; set ssh.known_hosts_file or ssh.host_key"),
		},
		{
			name:     "unknown host key",
			err:      wrapped(&nodeshell.HostKeyError{Node: "pve1", Addr: "10.0.0.1:22", Problem: nodeshell.HostKeyUnknown}),
			resource: diag.NewErrorDiagnostic("S", "deploying gitea as git: ssh to node pve1 (10.0.0.1:22): its host key is not in the known hosts file; add it (ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts) or set ssh.host_key"),
			config:   diag.NewAttributeErrorDiagnostic(ssh.AtName("host_key"), "S", "deploying gitea as git: ssh to node pve1 (10.0.0.1:22): its host key is not in the known hosts file; add it (ssh-keyscan -p PORT HOST >> ~/.ssh/known_hosts) or set ssh.host_key"),
		},
		{
			name:     "changed host key",
			err:      wrapped(&nodeshell.HostKeyError{Node: "pve1", Addr: "10.0.0.1:22", Problem: nodeshell.HostKeyChanged}),
			resource: diag.NewErrorDiagnostic("S", "deploying gitea as git: ssh to node pve1 (10.0.0.1:22): the host key does not match the known hosts file; if the node was reinstalled, update the entry, otherwise someone may be intercepting the connection"),
			config:   diag.NewAttributeErrorDiagnostic(ssh.AtName("known_hosts_file"), "S", "deploying gitea as git: ssh to node pve1 (10.0.0.1:22): the host key does not match the known hosts file; if the node was reinstalled, update the entry, otherwise someone may be intercepting the connection"),
		},
		{
			name:     "pinned host key mismatch",
			err:      wrapped(&nodeshell.HostKeyError{Node: "pve1", Addr: "10.0.0.1:22", Problem: nodeshell.HostKeyMismatch}),
			resource: diag.NewErrorDiagnostic("S", "deploying gitea as git: ssh to node pve1 (10.0.0.1:22): the host key does not match the pinned host key; ssh.host_key pins another key; if the node was reinstalled, update it, otherwise someone may be intercepting the connection"),
			config:   diag.NewAttributeErrorDiagnostic(ssh.AtName("host_key"), "S", "deploying gitea as git: ssh to node pve1 (10.0.0.1:22): the host key does not match the pinned host key; ssh.host_key pins another key; if the node was reinstalled, update it, otherwise someone may be intercepting the connection"),
		},
		{
			name:     "authentication",
			err:      wrapped(&nodeshell.AuthError{Node: "pve1", Addr: "10.0.0.1:22", User: "root"}),
			resource: diag.NewErrorDiagnostic("S", "deploying gitea as git: ssh to node pve1 (10.0.0.1:22) as root: authentication failed; check ssh.private_key or ssh.password"),
			config:   diag.NewAttributeErrorDiagnostic(ssh, "S", "deploying gitea as git: ssh to node pve1 (10.0.0.1:22) as root: authentication failed; check ssh.private_key or ssh.password"),
		},
		{
			name:     "no node address",
			err:      wrapped(&nodeshell.AddressError{Node: "pve4", Err: errors.New("the cluster status lists node pve4 without an address")}),
			resource: diag.NewErrorDiagnostic("S", "deploying gitea as git: finding the address of node pve4: the cluster status lists node pve4 without an address; add the node's address to ssh.nodes"),
			config:   diag.NewAttributeErrorDiagnostic(ssh.AtName("nodes"), "S", "deploying gitea as git: finding the address of node pve4: the cluster status lists node pve4 without an address; add the node's address to ssh.nodes"),
		},
		{
			name:     "untrusted certificate while resolving a node",
			err:      &nodeshell.AddressError{Node: "pve4", Err: &pveclient.CertificateError{Endpoint: "https://pve:8006", Err: errors.New("x509")}},
			resource: diag.NewErrorDiagnostic("S", "finding the address of node pve4: the TLS certificate of https://pve:8006 is not trusted (x509); set ca_cert_pem to the cluster's CA certificate (/etc/pve/pve-root-ca.pem on a node), or insecure = true for a lab"),
			config:   diag.NewAttributeErrorDiagnostic(path.Root("ca_cert_pem"), "S", "finding the address of node pve4: the TLS certificate of https://pve:8006 is not trusted (x509); set ca_cert_pem to the cluster's CA certificate (/etc/pve/pve-root-ca.pem on a node), or insecure = true for a lab"),
		},
		{
			name:     "public port taken",
			err:      &allocstore.PortTakenError{Port: 8123, Holder: `"gitea" (allocation pa-1)`},
			resource: diag.NewAttributeErrorDiagnostic(path.Root("public_port"), "S", `public port 8123 is already allocated to "gitea" (allocation pa-1); request another port or release that allocation`),
			config:   diag.NewErrorDiagnostic("S", `public port 8123 is already allocated to "gitea" (allocation pa-1); request another port or release that allocation`),
		},
		{
			name:     "internal port taken",
			err:      &allocstore.PortTakenError{Port: 9123, Holder: "CT 101 on pve1", Internal: true},
			resource: diag.NewAttributeErrorDiagnostic(path.Root("internal_port"), "S", "internal port 9123 is already allocated to CT 101 on pve1; request another port or release that allocation"),
			config:   diag.NewErrorDiagnostic("S", "internal port 9123 is already allocated to CT 101 on pve1; request another port or release that allocation"),
		},
		{
			name:     "port outside the range",
			err:      &allocstore.OutOfRangeError{Port: 80, Range: allocstore.Range{From: 8100, To: 8999}},
			resource: diag.NewAttributeErrorDiagnostic(path.Root("public_port"), "S", "public port 80 is outside the public range 8100-8999; request a port in the range or widen public_port_range in the provider configuration"),
			config:   diag.NewErrorDiagnostic("S", "public port 80 is outside the public range 8100-8999; request a port in the range or widen public_port_range in the provider configuration"),
		},
		{
			name:     "public range exhausted",
			err:      &allocstore.ExhaustedError{Kind: "public", Range: allocstore.Range{From: 8100, To: 8101}, Used: 2},
			resource: diag.NewErrorDiagnostic("S", "all 2 public ports in 8100-8101 are in use (2 allocated); widen public_port_range in the provider configuration or release unused allocations"),
			config:   diag.NewAttributeErrorDiagnostic(path.Root("public_port_range"), "S", "all 2 public ports in 8100-8101 are in use (2 allocated); widen public_port_range in the provider configuration or release unused allocations"),
		},
		{
			name:     "internal range exhausted",
			err:      &allocstore.ExhaustedError{Kind: "internal", Range: allocstore.Range{From: 9100, To: 9100}, Used: 1},
			resource: diag.NewErrorDiagnostic("S", "all 1 internal ports in 9100-9100 are in use (1 allocated); widen internal_port_range in the provider configuration or release unused allocations"),
			config:   diag.NewAttributeErrorDiagnostic(path.Root("internal_port_range"), "S", "all 1 internal ports in 9100-9100 are in use (1 allocated); widen internal_port_range in the provider configuration or release unused allocations"),
		},
		{
			name:     "broken catalog file",
			err:      &catalog.FileError{File: "/c/game.json", Field: "category", Err: errors.New(`unknown category "Games"`)},
			resource: diag.NewErrorDiagnostic("S", `catalog file /c/game.json: field "category": unknown category "Games"`),
			config:   diag.NewAttributeErrorDiagnostic(path.Root("catalog_paths"), "S", `catalog file /c/game.json: field "category": unknown category "Games"`),
		},
		{
			name:     "any other error",
			err:      errors.New("connection refused"),
			resource: diag.NewErrorDiagnostic("S", "connection refused"),
			config:   diag.NewErrorDiagnostic("S", "connection refused"),
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			var resource, config diag.Diagnostics
			addError(&resource, "S", c.err.Error(), c.err)
			addConfigError(&config, path.Empty(), "S", c.err)
			if want := (diag.Diagnostics{c.resource}); !resource.Equal(want) {
				t.Errorf("addError:\n got %s\nwant %s", describe(resource), describe(want))
			}
			if want := (diag.Diagnostics{c.config}); !config.Equal(want) {
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
	addConfigError(&diags, path.Root("catalog_paths"), "Unable to load the app catalog", errors.New("catalog path /nope: no such file or directory"))
	want := diag.Diagnostics{diag.NewAttributeErrorDiagnostic(path.Root("catalog_paths"), "Unable to load the app catalog", "catalog path /nope: no such file or directory")}
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
