package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// TestAccProviderValidation: each mistake fails at plan time with an error
// that names the attribute and says what to write. The endpoint is never
// reachable, so a failure that needed the network would read differently.
func TestAccProviderValidation(t *testing.T) {
	requireAcc(t)
	// The provider blocks are written out: the mistakes are the test.
	block := func(body string) string {
		return fmt.Sprintf("provider \"proximity\" {\n%s\n}\n", body) + nodesConfig
	}
	const ok = `endpoint = "https://127.0.0.1:1"` + "\n" + `api_token = "root@pam!tf=secret"`
	cases := []struct {
		name, body, want string
	}{
		{
			"bad URL",
			`endpoint = "pve.example.com"` + "\n" + `api_token = "root@pam!tf=x"`,
			`Invalid endpoint .* "pve.example.com" is not a URL; write the address of the Proxmox API, for example https://pve.example.com:8006`,
		},
		{"URL with a path", `endpoint = "https://pve:8006/x"` + "\n" + `api_token = "root@pam!tf=x"`, `has a path; write only scheme, host and port`},
		{
			"malformed token",
			`endpoint = "https://127.0.0.1:1"` + "\n" + `api_token = "root@pam:tf:secret"`,
			`Invalid api_token .* must look like USER@REALM!TOKENID=SECRET`,
		},
		{
			"token and password",
			ok + "\n" + `username = "root@pam"` + "\n" + `password = "x"`,
			`Attribute "password" cannot be specified when "api_token" is specified`,
		},
		{
			"user without realm",
			`endpoint = "https://127.0.0.1:1"` + "\n" + `username = "root"` + "\n" + `password = "x"`,
			`"root" has no realm; write the user with its realm, for example root@pam`,
		},
		{
			"password without user",
			`endpoint = "https://127.0.0.1:1"` + "\n" + `password = "x"`,
			`Attribute "username" must be specified when "password" is specified`,
		},
		{
			"inverted range",
			ok + "\n" + `public_port_range = { from = 8999, to = 8100 }`,
			`Inverted port range .* goes from 8999 down to 8100; write the lower port in from`,
		},
		{
			"overlapping ranges",
			ok + "\n" + `public_port_range = { from = 9000, to = 9200 }`,
			`Overlapping port ranges .* public ports 9000-9200 and internal ports 9100-9999 overlap`,
		},
		{"port out of range", ok + "\n" + `internal_port_range = { from = 0, to = 10 }`, `internal_port_range.from value must be between 1 and 65535`},
		{"bad private key", ok + "\n" + `ssh = { private_key = "not a key" }`, `Invalid ssh.private_key .* the private key does not parse`},
		{"bad host key", ok + "\n" + `ssh = { password = "x", host_key = "nope" }`, `host_key must be a public key line such as "ssh-ed25519 AAAA..."`},
		{
			"host key and insecure",
			ok + "\n" + `ssh = { password = "x", ` +
				`host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKz1tVv3qR2Xl3k8kQ2rjG3n8C0m6m3ZLkq0jWw2bTQx", insecure_ignore_host_key = true }`,
			`cannot be specified when`,
		},
		{
			"bad node address",
			ok + "\n" + `ssh = { password = "x", nodes = { pve1 = "10.0.0.1" } }`,
			`"10.0.0.1" must be host:port, for example 192.0.2.11:22`,
		},
		{"bad backoff", ok + "\n" + `retry = { min_backoff = "soon" }`, `"soon" is not a positive duration; write for example 500ms, 2s or 1m`},
		{"backoff order", ok + "\n" + `retry = { min_backoff = "5s", max_backoff = "1s" }`, `min_backoff \(5s\) is longer than max_backoff \(1s\)`},
		{"store", ok + "\n" + `allocation_store = "cloud"`, `allocation_store value must be one of: \["host" "local"\]`},
		{"host store without ssh", ok + "\n" + `allocation_store = "host"`, `The host allocation store needs SSH`},
		{"no credentials", `endpoint = "https://127.0.0.1:1"`, `Missing Proxmox credentials .* Set api_token`},
		{"bad CA", ok + "\n" + `ca_cert_pem = "hello"`, `ca_cert_pem must hold a PEM certificate`},
		{
			"cleartext endpoint",
			`endpoint = "http://127.0.0.1:1"` + "\n" + `api_token = "root@pam!tf=secret"`,
			`Cleartext endpoint .* http://127.0.0.1:1 is plain http, which would send the credentials in cleartext`,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.ParallelTest(t, resource.TestCase{
				ProtoV6ProviderFactories: providerFactories,
				Steps:                    []resource.TestStep{{Config: block(tc.body), PlanOnly: true, ExpectError: errorLike(tc.want)}},
			})
		})
	}
}

// TestAccEnvironmentFallback: an empty provider block works from the
// PROXMOX_VE_* variables users of the most used Proxmox provider already set.
func TestAccEnvironmentFallback(t *testing.T) {
	e := newSimEnv(t, "")
	info := e.info
	t.Setenv("PROXMOX_VE_ENDPOINT", info.Endpoint)
	t.Setenv("PROXMOX_VE_API_TOKEN", info.PVEAdminAPIToken)
	t.Setenv("PROXIMITY_CA_CERT_PEM", info.CACertPEM)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: `provider "proximity" {}` + nodesConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
				},
			},
		},
	})
	t.Setenv("PROXIMITY_API_TOKEN", "not-a-token")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{{
			Config: `provider "proximity" {}` + nodesConfig,
			ExpectError: errorLike(`Invalid PROXIMITY_API_TOKEN .* ` +
				`from the environment variable PROXIMITY_API_TOKEN: the API token must look like`),
		}},
	})
}

// TestAccSSHSettingsAreChecked: a known_hosts file that does not exist is
// reported at plan time, before any command would need it.
func TestAccSSHSettingsAreChecked(t *testing.T) {
	e := newSimEnv(t, "")
	good := withSSHOnly(sshBlockSettings{
		PrivateKey: e.info.SSHPrivateKey, HostKey: e.info.SSHHostKey, Nodes: map[string]string{"pve1": e.info.SSHNodes["pve1"]},
	})
	missing := withSSHOnly(sshBlockSettings{Password: "x", KnownHostsFile: "/nonexistent/known_hosts"})
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config: e.provider(missing) + nodesConfig, PlanOnly: true,
				ExpectError: errorLike(`Invalid SSH settings .* reading known hosts /nonexistent/known_hosts`),
			},
			{Config: e.provider(good) + nodesConfig},
		},
	})
}
