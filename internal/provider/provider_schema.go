package provider

import (
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// The allocation stores: the cluster file system over SSH, or a file on this
// machine.
const (
	allocationStoreHost  = "host"
	allocationStoreLocal = "local"
)

// The default port ranges, shared by the schema, the check that the ranges
// are disjoint, and the settings.
var (
	defaultPublicRange   = [2]int{8100, 8999}
	defaultInternalRange = [2]int{9100, 9999}
)

// rangeText is a port range as descriptions and messages write it.
func rangeText(r [2]int) string { return itoa(r[0]) + "-" + itoa(r[1]) }

func portRangeAttribute(name string, def [2]int) schema.SingleNestedAttribute {
	return schema.SingleNestedAttribute{
		Optional: true,
		MarkdownDescription: "Range of " + name + " ports to allocate from, inclusive. Defaults to `{ from = " +
			itoa(def[0]) + ", to = " + itoa(def[1]) + " }`.",
		Attributes: map[string]schema.Attribute{
			"from": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "First port of the range.",
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
			"to": schema.Int64Attribute{
				Required:            true,
				MarkdownDescription: "Last port of the range.",
				Validators:          []validator.Int64{int64validator.Between(1, 65535)},
			},
		},
		Validators: []validator.Object{rangeOrder{noun: "port"}},
	}
}

func providerSchema() schema.Schema {
	return schema.Schema{
		MarkdownDescription: "Proximity deploys self-hosted apps from a catalog into LXC containers on Proxmox VE. " +
			"Every argument can also come from the environment (`PROXIMITY_*`, with the `PROXMOX_VE_*` names of the " +
			"most used Proxmox provider as a fallback): an attribute in the provider block wins, then `PROXIMITY_*`, then `PROXMOX_VE_*`. " +
			"SSH is on when the `ssh` block is set or the environment gives an SSH private key, password or agent.",
		Attributes: map[string]schema.Attribute{
			// Optional attributes: each has an environment variable or a default
			"endpoint": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Address of the Proxmox VE API, for example `https://pve.example.com:8006`. Env: `PROXIMITY_ENDPOINT`, " +
					"`PROXMOX_VE_ENDPOINT`. Without it (or without credentials) only the catalog data sources work; any other " +
					"resource or data source then fails at plan, naming what is missing.",
				Validators: []validator.String{endpointValidator()},
			},
			"api_token": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "API token as `USER@REALM!TOKENID=SECRET`. Env: `PROXIMITY_API_TOKEN`, `PROXMOX_VE_API_TOKEN`.",
				Validators: []validator.String{
					apiTokenValidator(),
					stringvalidator.ConflictsWith(path.MatchRoot("username"), path.MatchRoot("password")),
				},
			},
			"username": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "User with realm for password login, for example `root@pam`; the provider keeps its ticket renewed. Env: " +
					"`PROXIMITY_USERNAME`, `PROXMOX_VE_USERNAME`.",
				Validators: []validator.String{usernameValidator(), stringvalidator.AlsoRequires(path.MatchRoot("password"))},
			},
			"password": schema.StringAttribute{
				Optional:            true,
				Sensitive:           true,
				MarkdownDescription: "Password of `username`. Env: `PROXIMITY_PASSWORD`, `PROXMOX_VE_PASSWORD`.",
				Validators:          []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("username"))},
			},
			"otp": schema.StringAttribute{
				Optional:  true,
				Sensitive: true,
				MarkdownDescription: "One-time password for a user with two-factor authentication: the TOTP code an authenticator app shows " +
					"(sent as `totp:<code>`), with the password at login. PVE takes a code for about 90 s (one 30 s step either side), and every " +
					"Terraform process logs in again (a plan, then an apply), so set it per run from the environment and run a single " +
					"`terraform apply -auto-approve` at once; for unattended runs use an API token instead. Recovery keys are single-use, " +
					"so one run would spend several: do not use them here. Without it such a user's login fails saying so. " +
					"Env: `PROXIMITY_OTP`, then `PROXMOX_VE_OTP`.",
				Validators: []validator.String{stringvalidator.AlsoRequires(path.MatchRoot("username"))},
			},
			"insecure": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Skip TLS certificate verification. For labs only; prefer `ca_cert_pem`. Default `false`. Env: `PROXIMITY_INSECURE`, " +
					"`PROXMOX_VE_INSECURE`.",
			},
			"insecure_http": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Allow an `http://` endpoint, which sends the API token or password in cleartext. " +
					"Only for a local proxy or a lab; without it such an endpoint is refused. Default `false`.",
			},
			"ca_cert_pem": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "PEM certificate of the CA that signed the API certificate (a node's `/etc/pve/pve-root-ca.pem`). Env: " +
					"`PROXIMITY_CA_CERT_PEM`.",
				Validators: []validator.String{stringCheck{"a PEM certificate", checkCertificatePEM}},
			},
			"ca_cert_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path of a PEM file holding that CA certificate (a copy of a node's `/etc/pve/pve-root-ca.pem`), read when the " +
					"provider starts; instead of `ca_cert_pem`. Env: `PROXIMITY_CA_CERT_FILE`; a `ca_cert_pem` or `ca_cert_file` in the " +
					"provider block wins over both variables.",
				Validators: []validator.String{
					stringvalidator.LengthAtLeast(1),
					stringvalidator.ConflictsWith(path.MatchRoot("ca_cert_pem")),
				},
			},
			"ssh": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "SSH access to the nodes, which deploying apps needs (`pct exec` and `pct push` have no API) " +
					"and which the cluster-wide port allocation store uses. Host keys are verified (`host_key` or `known_hosts_file`) unless " +
					"`insecure_ignore_host_key` is set.",
				Attributes: sshAttributes(),
			},
			"default_node": schema.StringAttribute{
				Optional:            true,
				MarkdownDescription: "Node for objects that do not name one. Default: the online node `placement` chooses. Env: `PROXIMITY_DEFAULT_NODE`.",
				Validators:          []validator.String{stringvalidator.RegexMatches(nodeNamePattern, "must be a node name such as pve1")},
			},
			"placement": placementAttribute(),

			"vmid_range": vmidRangeAttribute(), // provider_vmid.go
			"allocation_store": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Where port allocations are kept: `host` (the cluster file system `/etc/pve`, shared by every Terraform run; " +
					"the default when `ssh` is set) or `local` (a file on this machine under an OS file lock). Env: `PROXIMITY_ALLOCATION_STORE`.",
				Validators: []validator.String{stringvalidator.OneOf(allocationStoreHost, allocationStoreLocal)},
			},
			"allocation_file": schema.StringAttribute{
				Optional: true,
				MarkdownDescription: "Path of the allocation file of the `local` store. Default `$HOME/.proximity/allocations.json`. Env: " +
					"`PROXIMITY_ALLOCATION_FILE`.",
				Validators: []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"allow_host_access": schema.BoolAttribute{
				Optional: true,
				MarkdownDescription: "Allow apps whose compose settings reach beyond their container: privileged services, the host's network, " +
					"PID or IPC namespace, added capabilities, devices, or bind mounts of `/`, `/proc`, `/sys` or the Docker socket. " +
					"Without it such an app (only user catalogs can have one) is refused at plan time; with it, the plan lists what it asks for. Default `false`.",
			},
			"catalog_paths": schema.ListAttribute{
				Optional:    true,
				ElementType: stringType,
				MarkdownDescription: "User catalogs added on top of the embedded one, in order. Each is a Proximity 1.0 catalog folder as 1.0 names it " +
					"(its `APP_CATALOG_PATH`), holding `apps/index.json` with the app files beside it, or the legacy single `catalog.json`; when " +
					"it holds both, `apps/index.json` is loaded, as 1.0 does, with a warning; or a folder of app JSON files (optionally with an " +
					"`index.json`), or a single file `{\"items\": [...]}`. A file the index names must exist; a broken file stops the plan, " +
					"naming the file with the field or the line and column. A later app with the same id overrides an earlier one, with a warning. " +
					"Env: `PROXIMITY_CATALOG_PATHS` (separated by `:`).",
				Validators: []validator.List{listvalidator.ValueStringsAre(stringvalidator.LengthAtLeast(1))},
			},
			"public_port_range":   portRangeAttribute("public", defaultPublicRange),
			"internal_port_range": portRangeAttribute("internal", defaultInternalRange),
			"retry": schema.SingleNestedAttribute{
				Optional: true,
				MarkdownDescription: "Retries of transient Proxmox errors (5xx, 595/596, lost connections) and guest locks, with exponential backoff and " +
					"jitter, always bounded by the resource timeouts.",
				Attributes: map[string]schema.Attribute{
					"max_attempts": schema.Int64Attribute{
						Optional:            true,
						MarkdownDescription: "Attempts per call, including the first. Default 6.",
						Validators:          []validator.Int64{int64validator.Between(1, 100)},
					},
					"min_backoff": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "First wait, for example `500ms` (the default).",
						Validators:          []validator.String{durationValidator()},
					},
					"max_backoff": schema.StringAttribute{
						Optional:            true,
						MarkdownDescription: "Longest wait, for example `10s` (the default).",
						Validators:          []validator.String{durationValidator()},
					},
				},
				Validators: []validator.Object{backoffOrder{}},
			},
		},
	}
}

func sshAttributes() map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"username": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "SSH user. Default `root` (`pct` needs root). Env: `PROXIMITY_SSH_USERNAME`, then `PROXMOX_VE_SSH_USERNAME`.",
		},
		"private_key": schema.StringAttribute{
			Optional:  true,
			Sensitive: true,
			MarkdownDescription: "Private key (OpenSSH or PEM, unencrypted), for example `file(\"~/.ssh/id_ed25519\")`. Env: `PROXIMITY_SSH_PRIVATE_KEY`, " +
				"then `PROXMOX_VE_SSH_PRIVATE_KEY`.",
			Validators: []validator.String{privateKeyValidator()},
		},
		"password": schema.StringAttribute{
			Optional:            true,
			Sensitive:           true,
			MarkdownDescription: "SSH password, when no key is used. Env: `PROXIMITY_SSH_PASSWORD`, then `PROXMOX_VE_SSH_PASSWORD`.",
		},
		"agent": schema.BoolAttribute{
			Optional: true,
			MarkdownDescription: "Use the keys of the running ssh-agent (`SSH_AUTH_SOCK`). Default `false`. Env: `PROXIMITY_SSH_AGENT`, then " +
				"`PROXMOX_VE_SSH_AGENT` (`true` or `false`).",
		},
		"port": schema.Int64Attribute{
			Optional:            true,
			MarkdownDescription: "SSH port of the nodes. Default 22.",
			Validators:          []validator.Int64{int64validator.Between(1, 65535)},
		},
		"host_key": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "Expected host key of the nodes, one `authorized_keys` line (`ssh-ed25519 AAAA...`). Env: `PROXIMITY_SSH_HOST_KEY`, " +
				"used only when the block sets none of `host_key`, `known_hosts_file` and `insecure_ignore_host_key`.",
			Validators: []validator.String{
				hostKeyValidator(),
				stringvalidator.ConflictsWith(
					path.MatchRelative().AtParent().AtName("known_hosts_file"),
					path.MatchRelative().AtParent().AtName("insecure_ignore_host_key"),
				),
			},
		},
		"known_hosts_file": schema.StringAttribute{
			Optional: true,
			MarkdownDescription: "`known_hosts` file to verify host keys against. Default `~/.ssh/known_hosts` when `host_key` is not set. " +
				"Each node is looked up under its name and under its address, as OpenSSH does with `HostKeyAlias` and `CheckHostIP`: " +
				"an entry under either verifies, an entry holding another key of the same type is refused. " +
				"The cluster's own list works as it is: `pvecm updatecerts` writes each node's name and key to " +
				"`/etc/pve/nodes/<node>/ssh_known_hosts`, and `awk 1 /etc/pve/nodes/*/ssh_known_hosts` on a node prints them all. " +
				"Env: `PROXIMITY_SSH_KNOWN_HOSTS_FILE`, used only when the block sets none of `host_key`, `known_hosts_file` and " +
				"`insecure_ignore_host_key`.",
			Validators: []validator.String{stringvalidator.ConflictsWith(path.MatchRelative().AtParent().AtName("insecure_ignore_host_key"))},
		},
		"insecure_ignore_host_key": schema.BoolAttribute{
			Optional:            true,
			MarkdownDescription: "Accept any host key. For throwaway labs only. Default `false`.",
		},
		"nodes": schema.MapAttribute{
			Optional:            true,
			ElementType:         stringType,
			MarkdownDescription: "SSH address (`host:port`) per node name, overriding the address read from `/cluster/status`.",
			Validators:          []validator.Map{mapvalidator.ValueStringsAre(hostPortValidator())},
		},
	}
}
