package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"text/template"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"

	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// This file is the acceptance tests' one environment: the simulated cluster
// a test runs against, a client to it for out-of-band changes, and the
// rendering of provider and resource blocks. The facts a test checks on the
// simulator are state checks, in statechecks_test.go.

// TestMain smooths over the environment quirks of the CI machines (see the
// README): a TF_CLI_CONFIG_FILE that does not exist makes the CLI print a
// warning before its version, which plugin-testing cannot parse, and OpenTofu
// needs the provider namespace.
func TestMain(m *testing.M) {
	if f := os.Getenv("TF_CLI_CONFIG_FILE"); f != "" {
		if _, err := os.Stat(f); err != nil {
			empty := filepath.Join(os.TempDir(), "proximity-empty.tfrc")
			if err := os.WriteFile(empty, nil, 0o600); err == nil {
				os.Setenv("TF_CLI_CONFIG_FILE", empty)
			}
		}
	}
	if os.Getenv("TF_ACC_PROVIDER_NAMESPACE") == "" {
		os.Setenv("TF_ACC_PROVIDER_NAMESPACE", "proximity-project")
	}
	// The simulator runs a container's life in milliseconds; seconds of
	// real settle time per deployment would only slow the package.
	deploy.ServicesSettle = 50 * time.Millisecond
	os.Exit(m.Run())
}

// requireAcc skips an acceptance test without TF_ACC, as resource.Test
// would, but at the test's top: nothing before the steps (a simulator, an
// out-of-band guest) runs, and nothing after them asserts on runs that never
// happened. make test and CI always set TF_ACC.
func requireAcc(t *testing.T) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("acceptance tests run with TF_ACC set (make test)")
	}
}

// providerFactories serves the provider in-process to the Terraform CLI.
var providerFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"proximity": providerserver.NewProtocol6WithError(New("test")()),
}

// testEnv is one simulated cluster for one acceptance test, with a client
// to it and the test's own local allocation file.
type testEnv struct {
	t      *testing.T
	sim    *pvesim.Simulator
	info   pvesim.Info
	client *pveclient.Client
	// allocationFile is where the local allocation store of this test
	// lives (withLocalStore, withAllocationFile).
	allocationFile string
}

// newEnv skips the test without TF_ACC and otherwise starts a simulator
// for it, on random ports, at a hundredth of PVE's task durations.
func newEnv(t *testing.T, opts pvesim.Options) *testEnv {
	t.Helper()
	requireAcc(t)
	if opts.TimeScale == 0 {
		opts.TimeScale = 0.01
	}
	sim := pvesimtest.Start(t, opts)
	info := sim.Info()
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.PVEAdminAPIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, sim: sim, info: info, client: client, allocationFile: filepath.Join(t.TempDir(), "allocations.json")}
}

// newSimEnv is newEnv with the default cluster and the given faults.
func newSimEnv(t *testing.T, faults string) *testEnv {
	t.Helper()
	return newEnv(t, pvesim.Options{Faults: faults})
}

// --- Rendering -------------------------------------------------------------

// retryPolicy is the provider's retry block.
type retryPolicy struct {
	MaxAttempts int
	MinBackoff  string
	MaxBackoff  string
}

// fastRetry keeps a test on a simulator quick: few attempts, short waits.
var fastRetry = &retryPolicy{MaxAttempts: 3, MinBackoff: "10ms", MaxBackoff: "50ms"}

// sshBlockSettings is the provider's ssh block.
type sshBlockSettings struct {
	PrivateKey     string
	Password       string
	HostKey        string
	KnownHostsFile string
	Port           int
	Nodes          map[string]string
}

// providerBlockSettings is everything a provider block of these tests sets; a
// zero field is left out of the block.
type providerBlockSettings struct {
	Endpoint        string
	APIToken        string
	Username        string
	Password        string
	CACertPEM       string
	Retry           *retryPolicy
	SSH             *sshBlockSettings
	AllocationStore string
	AllocationFile  string
	CatalogPaths    []string
	AllowHostAccess bool
}

// providerOption changes the provider block a test renders.
type providerOption func(e *testEnv, p *providerBlockSettings)

// withSSH reaches every node of the simulator over SSH at its own address.
func withSSH() providerOption {
	return func(e *testEnv, p *providerBlockSettings) {
		p.SSH = &sshBlockSettings{PrivateKey: e.info.SSHPrivateKey, HostKey: e.info.SSHHostKey, Nodes: maps.Clone(e.info.SSHNodes)}
	}
}

// withSSHNode reaches one node at another address (after withSSH).
func withSSHNode(node, address string) providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.SSH.Nodes[node] = address }
}

// withSSHOnly sets the ssh block as it is given.
func withSSHOnly(s sshBlockSettings) providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.SSH = &s }
}

// withLocalStore keeps allocations in the test's own local file.
func withLocalStore() providerOption {
	return func(e *testEnv, p *providerBlockSettings) {
		p.AllocationStore = "local"
		p.AllocationFile = e.allocationFile
	}
}

// withAllocationFile names the test's allocation file and leaves the store
// to its default.
func withAllocationFile() providerOption {
	return func(e *testEnv, p *providerBlockSettings) { p.AllocationFile = e.allocationFile }
}

// withRetry replaces the fast retry policy.
func withRetry(r *retryPolicy) providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.Retry = r }
}

// withCatalogPaths adds user catalog directories.
func withCatalogPaths(paths ...string) providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.CatalogPaths = paths }
}

// withHostAccess allows apps that reach beyond their container.
func withHostAccess() providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.AllowHostAccess = true }
}

// withPasswordLogin logs in as root@pam with a password instead of the token.
func withPasswordLogin() providerOption {
	return func(e *testEnv, p *providerBlockSettings) {
		p.APIToken, p.Username, p.Password = "", "root@pam", e.info.Password
	}
}

// withAPIToken uses another token.
func withAPIToken(token string) providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.APIToken = token }
}

// withoutCA leaves the simulator's CA out, so its certificate is untrusted.
func withoutCA() providerOption {
	return func(_ *testEnv, p *providerBlockSettings) { p.CACertPEM = "" }
}

// hclString quotes a string for HCL: Go's escapes, which HCL shares for
// what these tests write, plus the escapes of HCL's template sequences.
func hclString(s string) string {
	q := fmt.Sprintf("%q", s)
	return strings.NewReplacer("${", "$${", "%{", "%%{").Replace(q)
}

var providerTemplate = template.Must(template.New("provider").Funcs(template.FuncMap{"q": hclString}).Parse(`
provider "proximity" {
{{- with .Endpoint }}
  endpoint = {{ q . }}
{{- end }}
{{- with .APIToken }}
  api_token = {{ q . }}
{{- end }}
{{- with .Username }}
  username = {{ q . }}
{{- end }}
{{- with .Password }}
  password = {{ q . }}
{{- end }}
{{- with .CACertPEM }}
  ca_cert_pem = {{ q . }}
{{- end }}
{{- with .Retry }}
  retry = { max_attempts = {{ .MaxAttempts }}, min_backoff = {{ q .MinBackoff }}, max_backoff = {{ q .MaxBackoff }} }
{{- end }}
{{- with .SSH }}
  ssh = {
{{- with .PrivateKey }}
    private_key = {{ q . }}
{{- end }}
{{- with .Password }}
    password = {{ q . }}
{{- end }}
{{- with .HostKey }}
    host_key = {{ q . }}
{{- end }}
{{- with .KnownHostsFile }}
    known_hosts_file = {{ q . }}
{{- end }}
{{- with .Port }}
    port = {{ . }}
{{- end }}
{{- with .Nodes }}
    nodes = {
{{- range $node, $address := . }}
      {{ $node }} = {{ q $address }}
{{- end }}
    }
{{- end }}
  }
{{- end }}
{{- with .AllocationStore }}
  allocation_store = {{ q . }}
{{- end }}
{{- with .AllocationFile }}
  allocation_file = {{ q . }}
{{- end }}
{{- with .CatalogPaths }}
  catalog_paths = [{{ range $i, $p := . }}{{ if $i }}, {{ end }}{{ q $p }}{{ end }}]
{{- end }}
{{- if .AllowHostAccess }}
  allow_host_access = true
{{- end }}
}
`))

// renderProvider renders a provider block from settings.
func renderProvider(t *testing.T, s providerBlockSettings) string {
	t.Helper()
	var b strings.Builder
	if err := providerTemplate.Execute(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// provider renders a provider block connected to the simulator with the
// PVEAdmin token and its CA, the fast retry policy, and the options.
func (e *testEnv) provider(opts ...providerOption) string {
	e.t.Helper()
	s := providerBlockSettings{Endpoint: e.info.Endpoint, APIToken: e.info.PVEAdminAPIToken, CACertPEM: e.info.CACertPEM, Retry: fastRetry}
	for _, o := range opts {
		o(e, &s)
	}
	return renderProvider(e.t, s)
}

// appProvider is the provider block for applications: SSH to every node
// and the test's own local allocation file.
func (e *testEnv) appProvider(opts ...providerOption) string {
	e.t.Helper()
	return e.provider(append([]providerOption{withSSH(), withLocalStore()}, opts...)...)
}

// config joins blocks into one configuration.
func config(blocks ...fmt.Stringer) string {
	var b strings.Builder
	for _, bl := range blocks {
		b.WriteString(bl.String())
		b.WriteString("\n")
	}
	return b.String()
}

// hclBlock builds a resource or data block; attributes keep their order.
// Methods return a changed copy, so one block can be the base of several.
type hclBlock struct {
	kind, typ, name string
	attrs           []hclAttr
}

type hclAttr struct{ key, expr string }

func resourceBlock(typ, name string) hclBlock {
	return hclBlock{kind: "resource", typ: typ, name: name}
}
func dataBlock(typ, name string) hclBlock { return hclBlock{kind: "data", typ: typ, name: name} }

// application is a proximity_application of a catalog app with a hostname.
func application(name, catalogID, hostname string) hclBlock {
	return resourceBlock("proximity_application", name).str("catalog_id", catalogID).str("hostname", hostname)
}

// backup is a proximity_backup.
func backup(name string) hclBlock { return resourceBlock("proximity_backup", name) }

// portAllocation is a proximity_port_allocation.
func portAllocation(name string) hclBlock { return resourceBlock("proximity_port_allocation", name) }

// set sets an attribute to an HCL expression as it is written, replacing an
// earlier value of it.
func (b hclBlock) set(key, expr string) hclBlock {
	attrs := slices.Clone(b.attrs)
	for i, a := range attrs {
		if a.key == key {
			attrs[i].expr = expr
			b.attrs = attrs
			return b
		}
	}
	b.attrs = append(attrs, hclAttr{key, expr})
	return b
}

// str sets an attribute to a string.
func (b hclBlock) str(key, value string) hclBlock { return b.set(key, hclString(value)) }

// num sets an attribute to a number.
func (b hclBlock) num(key string, value int) hclBlock { return b.set(key, fmt.Sprint(value)) }

// address is the block's address in the state.
func (b hclBlock) address() string {
	if b.kind == "data" {
		return "data." + b.typ + "." + b.name
	}
	return b.typ + "." + b.name
}

func (b hclBlock) String() string {
	var s strings.Builder
	fmt.Fprintf(&s, "%s %q %q {\n", b.kind, b.typ, b.name)
	for _, a := range b.attrs {
		fmt.Fprintf(&s, "  %s = %s\n", a.key, a.expr)
	}
	s.WriteString("}\n")
	return s.String()
}

// rawHCL is configuration written out as it is, for what the builders do
// not cover.
type rawHCL string

func (r rawHCL) String() string { return string(r) }

// errorLike matches an error message that the CLI may have wrapped over
// several lines: every space in pattern matches any run of whitespace.
func errorLike(pattern string) *regexp.Regexp {
	return regexp.MustCompile(`(?s)` + strings.ReplaceAll(pattern, " ", `\s+`))
}

// --- Out-of-band actions on the simulator -----------------------------------

// inContainer runs a shell command inside a container through its node.
func (e *testEnv) inContainer(node string, vmid int, command string) (string, error) {
	var out strings.Builder
	code, err := e.sim.RunOnNode(context.Background(), node, fmt.Sprintf("pct exec %d -- sh -c %q", vmid, command), nil, &out, &out)
	if err == nil && code != 0 {
		err = fmt.Errorf("exit %d: %s", code, out.String())
	}
	return strings.TrimSpace(out.String()), err
}

// onNode runs a command on a node and returns its output and exit code.
func (e *testEnv) onNode(node, command string) (string, int, error) {
	var out strings.Builder
	code, err := e.sim.RunOnNode(context.Background(), node, command, nil, &out, &out)
	return out.String(), code, err
}

// createGuest makes a container through the API, as someone else would,
// and waits for it.
func (e *testEnv) createGuest(node string, vmid int, req pveclient.ContainerCreation) {
	e.t.Helper()
	createGuestOutOfBand(e.t, e.client, node, vmid, req)
}

// createGuestOutOfBand makes a container through the API, as someone else
// would, and waits for it.
func createGuestOutOfBand(t *testing.T, client *pveclient.Client, node string, vmid int, req pveclient.ContainerCreation) {
	t.Helper()
	upid, err := client.StartCreateContainer(context.Background(), node, vmid, req)
	if err == nil {
		_, err = client.WaitTask(context.Background(), upid)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// must fails the test on an error of an out-of-band action.
func (e *testEnv) must(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func loadAllocations(file string) ([]allocstore.Allocation, error) {
	raw, err := os.ReadFile(file)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var tb allocstore.Table
	if err := json.Unmarshal(raw, &tb); err != nil {
		return nil, fmt.Errorf("allocation file: %v", err)
	}
	return tb.Allocations, nil
}

// archives lists the backups of CT 100 on pve1.
func archives(t *testing.T, client *pveclient.Client) []pveclient.Volume {
	t.Helper()
	vols, err := client.Content(context.Background(), "pve1", "local", "backup", 100)
	if err != nil {
		t.Fatal(err)
	}
	return vols
}

// waitForLock waits until CT 100 on pve1 holds the lock.
func waitForLock(t *testing.T, client *pveclient.Client, lock string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if st, err := client.GuestStatus(context.Background(), "pve1", 100); err == nil && st.Lock == lock {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("CT 100 never got the %s lock", lock)
}

// placeTemplate puts a template of the official index on a node's storage
// the way an administrator would: download-url with the index's URL (the
// simulator serves those from its own template set).
func (e *testEnv) placeTemplate(node, storage, template string) string {
	t := e.t
	t.Helper()
	info := e.info
	client, err := pveclient.New(pveclient.Config{Endpoint: info.Endpoint, APIToken: info.APIToken, CACertPEM: info.CACertPEM})
	if err != nil {
		t.Fatal(err)
	}
	volid := storage + ":vztmpl/" + template
	present, err := client.Content(context.Background(), node, storage, "vztmpl", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range present {
		if v.VolID == volid {
			return volid // a fresh node of this release already has it
		}
	}
	form := url.Values{
		"content":  {"vztmpl"},
		"filename": {template},
		"url":      {"http://download.proxmox.com/images/system/" + template},
	}
	req, err := http.NewRequest(http.MethodPost, info.Endpoint+"/api2/json/nodes/"+node+"/storage/"+storage+"/download-url",
		strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "PVEAPIToken="+info.APIToken)
	resp, err := simHTTPClient(t, info.CACertPEM).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Data string `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("download-url of %s: %s %v", template, resp.Status, err)
	}
	if _, err := client.WaitTask(context.Background(), answer.Data); err != nil {
		t.Fatalf("download-url of %s: %v", template, err)
	}
	return volid
}

// simHTTPClient trusts the simulator's CA only, as the provider does.
func simHTTPClient(t *testing.T, caPEM string) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(caPEM)) {
		t.Fatal("the simulator's CA certificate does not parse")
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// --- Small helpers ----------------------------------------------------------

// freePortOn finds a TCP port free on a loopback address.
func freePortOn(t *testing.T, host string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr, ok := ln.Addr().(*net.TCPAddr)
	if !ok {
		t.Fatalf("listener address %v is not TCP", ln.Addr())
	}
	return addr.Port
}

// waitGroupWithin waits for wg at most d.
func waitGroupWithin(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// mustWrite writes a file, making its directory.
func mustWrite(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// alpineTemplate is the template a fresh simulated node holds.
const alpineTemplate = "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz"

// plainContainer is a container someone else makes: the template and a
// small disk, plus what the test sets.
func plainContainer(settings pveclient.ContainerSettings) pveclient.ContainerCreateRequest {
	return pveclient.ContainerCreateRequest{
		OSTemplate: alpineTemplate, RootFS: pveclient.ContainerMountPoint{Volume: "local-lvm:2"}, ContainerSettings: settings,
	}
}

func ptr[T any](v T) *T { return &v }
