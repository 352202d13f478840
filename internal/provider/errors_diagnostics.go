package provider

import (
	"errors"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The layers below speak their own language: pveclient, nodeshell,
// allocstore and catalog name ports, ranges, nodes, files and their own
// Config fields, never a Terraform attribute. This file alone maps their
// typed errors onto the configuration: the attribute that decides the
// failure, as the diagnostic's path where the object at hand has it, and
// what to change there, appended to the detail.

// remedy is the Terraform side of a lower layer's error.
type remedy struct {
	attr path.Path
	// provider: attr is in the provider configuration, so outside Configure
	// it is named in the detail rather than given as the path.
	provider bool
	advice   string // what to change; empty when the error says it
}

// addError appends a failure of a resource or data source. detail says
// what was attempted and ends with err.
func addError(diags *diag.Diagnostics, summary, detail string, err error) {
	r, ok := remedyFor(err)
	switch {
	case !ok:
		diags.AddError(summary, detail)
	case r.provider:
		diags.AddError(summary, withAdvice(detail, r.advice))
	default:
		diags.AddAttributeError(r.attr, summary, withAdvice(detail, r.advice))
	}
}

// addAttributeError appends a failure about the attribute at of the object
// at hand (a plan-time check), keeping that path; a cause the configuration
// decides (an untrusted certificate, a refused SSH key) adds its advice.
func addAttributeError(diags *diag.Diagnostics, at path.Path, summary, detail string, err error) {
	if r, ok := remedyFor(err); ok {
		detail = withAdvice(detail, r.advice)
	}
	diags.AddAttributeError(at, summary, detail)
}

// addConfigError appends a failure of Configure at the provider attribute
// the error is about, else at fallback (path.Empty() for none).
func addConfigError(diags *diag.Diagnostics, fallback path.Path, summary string, err error) {
	detail := err.Error()
	at := fallback
	if r, ok := remedyFor(err); ok {
		detail = withAdvice(detail, r.advice)
		if r.provider {
			at = r.attr
		}
	}
	if at.Equal(path.Empty()) {
		diags.AddError(summary, detail)
		return
	}
	diags.AddAttributeError(at, summary, detail)
}

func withAdvice(detail, advice string) string {
	if advice == "" {
		return detail
	}
	return detail + "; " + advice
}

// remedyFor finds the typed error in err's chain; a cause comes before
// what wraps it (an untrusted certificate met while resolving a node's SSH
// address is about ca_cert_pem, not ssh.nodes).
func remedyFor(err error) (remedy, bool) {
	var (
		certificate *pveclient.CertificateError
		clientCfg   *pveclient.ConfigError
		shellCfg    *nodeshell.ConfigError
		hostKey     *nodeshell.HostKeyError
		auth        *nodeshell.AuthError
		address     *nodeshell.AddressError
		taken       *allocstore.PortTakenError
		outside     *allocstore.OutOfRangeError
		exhausted   *allocstore.ExhaustedError
		catalogFile *catalog.FileError
		backupStore *backups.StorageError
	)
	if r, ok := bootRemedy(err); ok { // application_boot.go
		return r, true
	}
	if r, ok := healthRemedy(err); ok { // application_health.go
		return r, true
	}
	if r, ok := reachRemedy(err); ok {
		return r, true
	}
	switch {
	case errors.As(err, &certificate):
		return remedy{path.Root("ca_cert_pem"), true,
			"set ca_cert_pem to the cluster's CA certificate (/etc/pve/pve-root-ca.pem on a node), or insecure = true for a lab"}, true
	case errors.As(err, &clientCfg):
		return clientConfigRemedy(clientCfg.Field), true
	case errors.As(err, &shellCfg):
		return sshConfigRemedy(shellCfg.Field), true
	case errors.As(err, &hostKey):
		return hostKeyRemedy(hostKey.Problem), true
	case errors.As(err, &auth):
		return remedy{path.Root("ssh"), true, "check ssh.private_key or ssh.password"}, true
	case errors.As(err, &address):
		return remedy{path.Root("ssh").AtName("nodes"), true, "add the node's address to ssh.nodes"}, true
	case errors.As(err, &taken):
		// The holder and what to do are in the message.
		return remedy{portAttribute(taken.Internal), false, ""}, true
	case errors.As(err, &outside):
		return remedy{portAttribute(outside.Internal), false,
			"request a port in the range or widen " + rangeAttribute(outside.Internal) + " in the provider configuration"}, true
	case errors.As(err, &exhausted):
		internal := exhausted.Kind == "internal"
		return remedy{path.Root(rangeAttribute(internal)), true,
			"widen " + rangeAttribute(internal) + " in the provider configuration or release unused allocations"}, true
	case errors.As(err, &catalogFile):
		// The file and the field are in the message.
		return remedy{path.Root("catalog_paths"), true, ""}, true
	case errors.As(err, &backupStore):
		return remedy{path.Root("storage"), false,
			"choose a storage that is enabled on the node and takes backup content, or leave storage unset for the default"}, true
	}
	if r, ok := inPlaceRemedy(err); ok {
		return r, true
	}
	if r, ok := relocationRemedy(err); ok {
		return r, true
	}
	return placementRemedy(err)
}

// clientConfigRemedy maps pveclient.Config's fields.
func clientConfigRemedy(field string) remedy {
	if field == "CACertPEM" {
		return remedy{path.Root("ca_cert_pem"), true, "check ca_cert_pem"}
	}
	return remedy{path.Root("api_token"), true, "set api_token, or username and password"}
}

// sshConfigRemedy maps nodeshell.Config's fields.
func sshConfigRemedy(field string) remedy {
	ssh := path.Root("ssh")
	switch field {
	case "PrivateKey":
		return remedy{ssh.AtName("private_key"), true, "check ssh.private_key"}
	case "Agent":
		return remedy{ssh.AtName("agent"), true, "start ssh-agent or give ssh.private_key"}
	case "HostKey":
		return remedy{ssh.AtName("host_key"), true, "check ssh.host_key"}
	case "KnownHostsFile":
		return remedy{ssh.AtName("known_hosts_file"), true, "set ssh.known_hosts_file or ssh.host_key"}
	}
	return remedy{ssh, true, "set ssh.private_key, ssh.password or ssh.agent"}
}

func hostKeyRemedy(problem nodeshell.HostKeyProblem) remedy {
	ssh := path.Root("ssh")
	switch problem {
	case nodeshell.HostKeyUnknown:
		// The error says what to add to the file, under which names.
		return remedy{ssh.AtName("host_key"), true, "or pin the node's key with ssh.host_key"}
	case nodeshell.HostKeyChanged:
		// What to do is in the message.
		return remedy{ssh.AtName("known_hosts_file"), true, ""}
	}
	return remedy{ssh.AtName("host_key"), true,
		"ssh.host_key (or PROXIMITY_SSH_HOST_KEY) pins another key; if the node was reinstalled, update it, " +
			"otherwise someone may be intercepting the connection"}
}

func portAttribute(internal bool) path.Path {
	if internal {
		return path.Root("internal_port")
	}
	return path.Root("public_port")
}

func rangeAttribute(internal bool) string {
	if internal {
		return "internal_port_range"
	}
	return "public_port_range"
}

// inPlaceRemedy maps the errors of deploy's changes in place (a rename, a
// move of the ports, new SSH keys) onto the attribute that asked for them.
func inPlaceRemedy(err error) (remedy, bool) {
	var (
		hostname *deploy.HostnameTakenError
		ports    *deploy.PortConflictError
		keys     *deploy.StoppedKeysError
	)
	switch {
	case errors.As(err, &hostname):
		// What to do is in the message.
		return remedy{attr: path.Root("hostname")}, true
	case errors.As(err, &ports):
		return remedy{attr: path.Root("port_allocation_id"), advice: "use a pair no other application uses, or leave port_allocation_id out"}, true
	case errors.As(err, &keys):
		return remedy{attr: path.Root("ssh_public_keys"),
			advice: "apply with status = \"running\" first, or keep the previous keys until the application runs"}, true
	}
	return remedy{}, false
}

// relocationRemedy maps deploy's verdicts on a move of an application
// (relocate.go) onto the attribute they are about: a node not in the
// cluster or offline is node's, a move PVE cannot make names its own
// (node or storage); the messages say what to do.
func relocationRemedy(err error) (remedy, bool) {
	var (
		node *deploy.NodeError
		move *deploy.RelocationError
	)
	switch {
	case errors.As(err, &node):
		return remedy{attr: path.Root("node")}, true
	case errors.As(err, &move):
		return remedy{attr: path.Root(move.Attribute)}, true
	}
	return remedy{}, false
}
