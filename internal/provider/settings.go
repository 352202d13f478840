package provider

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// settings is the provider configuration with environment fallbacks and
// defaults applied: what the layers below are built from.
type settings struct {
	client          pveclient.Config
	authMethod      string
	ssh             *sshSettings
	defaultNode     string
	placement       string
	allocationStore string
	allocationFile  string
	catalogPaths    []string
	allowHostAccess bool
	publicRange     [2]int
	internalRange   [2]int
	vmidRange       *deploy.VMIDRange
}

type sshSettings struct {
	username, privateKey, password, hostKey, knownHostsFile string
	agent, insecureIgnoreHostKey                            bool
	port                                                    int
	nodes                                                   map[string]string
}

// envLookup is os.LookupEnv, replaceable in tests.
type envLookup func(string) (string, bool)

var osEnv envLookup = os.LookupEnv

// pick returns the configured value, else the first environment variable set.
func pick(v types.String, env envLookup, names ...string) (string, string) {
	if !v.IsNull() && !v.IsUnknown() {
		return v.ValueString(), ""
	}
	for _, n := range names {
		if s, ok := env(n); ok && s != "" {
			return s, n
		}
	}
	return "", ""
}

// resolveSettings applies environment fallbacks and defaults and checks what
// only Configure can check: values from the environment, and required values.
func resolveSettings(cfg providerModel, env envLookup) (settings, diag.Diagnostics) {
	var diags diag.Diagnostics
	var s settings
	s.client, s.authMethod = resolveClient(cfg, env, &diags)
	s.ssh = resolveSSH(cfg.SSH, env, &diags)
	s.defaultNode, _ = pick(cfg.DefaultNode, env, "PROXIMITY_DEFAULT_NODE")
	var from string
	s.placement, from = pick(cfg.Placement, env, "PROXIMITY_PLACEMENT")
	checkEnv(&diags, "placement", s.placement, from, checkPlacement)
	s.allocationStore, s.allocationFile = resolveAllocationStore(cfg, env, s.ssh != nil, &diags)
	s.catalogPaths = resolveCatalogPaths(cfg.CatalogPaths, env)
	s.allowHostAccess = cfg.AllowHostAccess.ValueBool()
	s.vmidRange = resolveVMIDRange(cfg.VMIDRange, env, &diags)
	s.publicRange, s.internalRange = rangeOr(cfg.PublicPortRange, defaultPublicRange), rangeOr(cfg.InternalPortRange, defaultInternalRange)
	return s, diags
}

// checkEnv validates a value that came from the environment, naming the
// variable; a configured value (envName "") was checked at validation.
func checkEnv(diags *diag.Diagnostics, attr, value, envName string, check func(string) string) {
	if envName == "" || value == "" {
		return
	}
	if problem := check(value); problem != "" {
		diags.AddAttributeError(path.Root(attr), "Invalid "+envName, "from the environment variable "+envName+": "+problem)
	}
}

// resolveClient is the Proxmox API client's configuration, and how it
// authenticates, for the log.
func resolveClient(cfg providerModel, env envLookup, diags *diag.Diagnostics) (c pveclient.Config, authMethod string) {
	var from string
	c.Endpoint, from = pick(cfg.Endpoint, env, "PROXIMITY_ENDPOINT", "PROXMOX_VE_ENDPOINT")
	checkEnv(diags, "endpoint", c.Endpoint, from, checkEndpoint)
	if c.Endpoint == "" {
		diags.AddAttributeError(path.Root("endpoint"), "Missing Proxmox endpoint",
			"Set endpoint in the provider block (for example https://pve.example.com:8006) or the PROXIMITY_ENDPOINT environment variable.")
	}
	authMethod = resolveCredentials(cfg, env, &c, diags)
	resolveTLS(cfg, env, &c, diags)
	c.Retry = resolveRetry(cfg.Retry)
	return c, authMethod
}

// resolveCredentials picks an API token, else a user and password, and
// says which it uses.
func resolveCredentials(cfg providerModel, env envLookup, c *pveclient.Config, diags *diag.Diagnostics) (authMethod string) {
	var from string
	c.APIToken, from = pick(cfg.APIToken, env, "PROXIMITY_API_TOKEN", "PROXMOX_VE_API_TOKEN")
	checkEnv(diags, "api_token", c.APIToken, from, checkAPIToken)
	c.Username, _ = pick(cfg.Username, env, "PROXIMITY_USERNAME", "PROXMOX_VE_USERNAME")
	c.Password, _ = pick(cfg.Password, env, "PROXIMITY_PASSWORD", "PROXMOX_VE_PASSWORD")
	c.OTP, _ = pick(cfg.OTP, env, "PROXIMITY_OTP", "PROXMOX_VE_OTP")
	switch {
	case c.APIToken != "":
		// A token wins over a password from the environment, but not over one in the configuration.
		if !cfg.Password.IsNull() {
			diags.AddAttributeError(path.Root("password"), "Conflicting credentials",
				"Both an API token and a password are set; use one. Remove password, or unset PROXIMITY_API_TOKEN.")
		}
		c.Username, c.Password = "", ""
		id, _, _ := strings.Cut(c.APIToken, "=")
		return "API token " + id
	case c.Username != "" && c.Password != "":
		return "password login of " + c.Username
	}
	diags.AddAttributeError(path.Root("api_token"), "Missing Proxmox credentials",
		"Set api_token (USER@REALM!TOKENID=SECRET, recommended) or username and password, in the provider block or as PROXIMITY_API_TOKEN / "+
			"PROXIMITY_USERNAME and PROXIMITY_PASSWORD.")
	return ""
}

// resolveTLS sets how the client verifies the API's certificate, and refuses
// a cleartext endpoint unless insecure_http allows it.
func resolveTLS(cfg providerModel, env envLookup, c *pveclient.Config, diags *diag.Diagnostics) {
	insecure, from := pick(boolAsString(cfg.Insecure), env, "PROXIMITY_INSECURE", "PROXMOX_VE_INSECURE")
	if insecure != "" {
		b, err := strconv.ParseBool(insecure)
		if err != nil {
			diags.AddAttributeError(path.Root("insecure"), "Invalid "+from, fmt.Sprintf("%s=%q is not a boolean; write true or false", from, insecure))
		}
		c.Insecure = b
	}
	if c.Insecure {
		diags.AddAttributeWarning(path.Root("insecure"), "TLS verification is off",
			"insecure = true accepts any certificate, so anyone on the network path can read the API token. Prefer ca_cert_pem (a node's "+
				"/etc/pve/pve-root-ca.pem).")
	}
	if strings.HasPrefix(strings.ToLower(c.Endpoint), "http://") && !cfg.InsecureHTTP.ValueBool() {
		diags.AddAttributeError(path.Root("endpoint"), "Cleartext endpoint", cleartextDetail(c.Endpoint))
	}
	c.CACertPEM = resolveCACert(cfg, env, diags)
}

// resolveRetry is the client's retry policy: the defaults with the retry
// block's values laid over them. The durations were validated with the
// configuration.
func resolveRetry(r *retryModel) pveclient.RetryConfig {
	retry := pveclient.DefaultRetry
	if r == nil {
		return retry
	}
	if !r.MaxAttempts.IsNull() {
		retry.MaxAttempts = int(r.MaxAttempts.ValueInt64())
	}
	if d, err := time.ParseDuration(r.MinBackoff.ValueString()); err == nil {
		retry.MinBackoff = d
	}
	if d, err := time.ParseDuration(r.MaxBackoff.ValueString()); err == nil {
		retry.MaxBackoff = d
	}
	if retry.MinBackoff > retry.MaxBackoff {
		retry.MaxBackoff = retry.MinBackoff
	}
	return retry
}

// resolveAllocationStore picks where port allocations are kept: the cluster
// file system when SSH is configured, else a file on this machine.
func resolveAllocationStore(cfg providerModel, env envLookup, haveSSH bool, diags *diag.Diagnostics) (store, file string) {
	store, from := pick(cfg.AllocationStore, env, "PROXIMITY_ALLOCATION_STORE")
	switch {
	case store == "" && haveSSH:
		store = allocationStoreHost
	case store == "":
		store = allocationStoreLocal
	case store != allocationStoreHost && store != allocationStoreLocal:
		diags.AddAttributeError(path.Root("allocation_store"), "Invalid "+from, fmt.Sprintf("%s=%q must be host or local", from, store))
	case store == allocationStoreHost && !haveSSH:
		diags.AddAttributeError(path.Root("allocation_store"), "The host allocation store needs SSH",
			"allocation_store = \"host\" keeps the allocation file on the cluster file system over SSH; configure the ssh block, or use "+
				"allocation_store = \"local\".")
	}
	file, _ = pick(cfg.AllocationFile, env, "PROXIMITY_ALLOCATION_FILE")
	if file == "" {
		if home, err := os.UserHomeDir(); err == nil {
			file = filepath.Join(home, ".proximity", "allocations.json")
		}
	}
	return store, file
}

// resolveCatalogPaths is catalog_paths, else PROXIMITY_CATALOG_PATHS.
func resolveCatalogPaths(configured types.List, env envLookup) []string {
	var paths []string
	for _, p := range configured.Elements() {
		if str, ok := p.(types.String); ok && !str.IsNull() && !str.IsUnknown() {
			paths = append(paths, str.ValueString())
		}
	}
	if configured.IsNull() {
		if v, ok := env("PROXIMITY_CATALOG_PATHS"); ok && v != "" {
			paths = filepath.SplitList(v)
		}
	}
	return paths
}

func boolAsString(b types.Bool) types.String {
	if b.IsNull() || b.IsUnknown() {
		return types.StringNull()
	}
	return types.StringValue(strconv.FormatBool(b.ValueBool()))
}

func rangeOr(r *portRange, def [2]int) [2]int {
	if r == nil {
		return def
	}
	return [2]int{int(r.From.ValueInt64()), int(r.To.ValueInt64())}
}
