package provider

import (
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

func fakeEnv(vars map[string]string) envLookup {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func emptyModel() providerModel {
	return providerModel{
		Endpoint: types.StringNull(), APIToken: types.StringNull(), Username: types.StringNull(), Password: types.StringNull(),
		OTP: types.StringNull(), Insecure: types.BoolNull(), CACertPEM: types.StringNull(), DefaultNode: types.StringNull(),
		AllocationStore: types.StringNull(), AllocationFile: types.StringNull(), CatalogPaths: types.ListNull(types.StringType),
	}
}

func TestResolveSettingsPrecedence(t *testing.T) {
	m := emptyModel()
	m.Endpoint = types.StringValue("https://from-config:8006")
	s, diags := resolveSettings(m, fakeEnv(map[string]string{
		"PROXIMITY_ENDPOINT": "https://from-env:8006", "PROXMOX_VE_API_TOKEN": "a@pam!t=1", "PROXIMITY_API_TOKEN": "b@pve!t=2",
		"PROXMOX_VE_INSECURE": "true", "PROXIMITY_ALLOCATION_FILE": "/tmp/alloc.json",
	}))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if s.client.Endpoint != "https://from-config:8006" || s.client.APIToken != "b@pve!t=2" || !s.client.Insecure {
		t.Errorf("precedence: %+v", s.client)
	}
	if s.allocationStore != "local" || s.allocationFile != "/tmp/alloc.json" ||
		s.publicRange != defaultPublicRange || s.internalRange != defaultInternalRange {
		t.Errorf("defaults: %+v", s)
	}
	if s.authMethod != "API token b@pve!t" {
		t.Errorf("auth method %q", s.authMethod)
	}
}

func TestResolveSettingsErrors(t *testing.T) {
	cases := map[string]struct {
		env  map[string]string
		want string
	}{
		"no endpoint": {map[string]string{"PROXIMITY_API_TOKEN": "a@pam!t=1"}, "Missing Proxmox endpoint"},
		"bad env endpoint": {
			map[string]string{"PROXIMITY_ENDPOINT": "pve", "PROXIMITY_API_TOKEN": "a@pam!t=1"},
			"from the environment variable PROXIMITY_ENDPOINT",
		},
		"bad insecure": {
			map[string]string{"PROXIMITY_ENDPOINT": "https://x", "PROXIMITY_API_TOKEN": "a@pam!t=1", "PROXIMITY_INSECURE": "yes please"},
			"is not a boolean",
		},
		"bad env key": {
			map[string]string{"PROXIMITY_ENDPOINT": "https://x", "PROXIMITY_API_TOKEN": "a@pam!t=1", "PROXIMITY_SSH_PRIVATE_KEY": "junk"},
			"from the environment variable PROXIMITY_SSH_PRIVATE_KEY",
		},
		"no credentials": {map[string]string{"PROXIMITY_ENDPOINT": "https://x", "PROXIMITY_USERNAME": "root@pam"}, "Missing Proxmox credentials"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			_, diags := resolveSettings(emptyModel(), fakeEnv(tc.env))
			var all []string
			for _, d := range diags.Errors() {
				all = append(all, d.Summary()+": "+d.Detail())
			}
			if !strings.Contains(strings.Join(all, "\n"), tc.want) {
				t.Errorf("diagnostics %q, want %q", all, tc.want)
			}
		})
	}
}

func TestSSHDefaultsToHostStore(t *testing.T) {
	m := emptyModel()
	m.SSH = &sshModel{Username: types.StringNull(), PrivateKey: types.StringNull(), Password: types.StringValue("pw"),
		Agent: types.BoolNull(), Port: types.Int64Null(), HostKey: types.StringNull(), KnownHostsFile: types.StringNull(),
		InsecureIgnoreHostKey: types.BoolNull(), Nodes: types.MapNull(types.StringType)}
	s, diags := resolveSettings(m, fakeEnv(map[string]string{"PROXIMITY_ENDPOINT": "https://x", "PROXIMITY_API_TOKEN": "a@pam!t=1"}))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if s.allocationStore != "host" || s.ssh.username != "root" || s.ssh.port != 22 {
		t.Errorf("ssh defaults: store %q %+v", s.allocationStore, s.ssh)
	}
}

func TestCatalogPathsFromEnvironment(t *testing.T) {
	s, diags := resolveSettings(emptyModel(), fakeEnv(map[string]string{
		"PROXIMITY_ENDPOINT": "https://x", "PROXIMITY_API_TOKEN": "a@pam!t=1", "PROXIMITY_CATALOG_PATHS": "/a:/b/c",
	}))
	if diags.HasError() {
		t.Fatal(diags)
	}
	if len(s.catalogPaths) != 2 || s.catalogPaths[0] != "/a" || s.catalogPaths[1] != "/b/c" {
		t.Errorf("catalog paths %v", s.catalogPaths)
	}
}
