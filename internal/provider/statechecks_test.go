package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/GehirnInc/crypt/sha512_crypt"
	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// The facts an acceptance test checks outside Terraform's state, on the
// simulated cluster or the allocation file, as state checks: a step lists
// them in ConfigStateChecks beside the checks of the state itself, and
// destroyed turns them into a CheckDestroy. Each reads the simulator
// through the test environment's client or its node shell, never through
// the provider.

// simFact is a fact about the world outside the state.
type simFact interface {
	statecheck.StateCheck
	verify(ctx context.Context, state *stateView) error
}

// stateView is what a fact may read of the state: the attributes of a
// resource by address (nil after a destroy).
type stateView struct {
	attrs map[string]map[string]any
}

func (v *stateView) attribute(address, name string) (any, error) {
	if v == nil {
		return nil, fmt.Errorf("no state to read %s.%s from", address, name)
	}
	r, ok := v.attrs[address]
	if !ok {
		return nil, fmt.Errorf("%s is not in the state", address)
	}
	return r[name], nil
}

// checkFact runs a fact as a state check.
func checkFact(ctx context.Context, f simFact, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	view := &stateView{attrs: map[string]map[string]any{}}
	if req.State != nil && req.State.Values != nil && req.State.Values.RootModule != nil {
		for _, r := range req.State.Values.RootModule.Resources {
			view.attrs[r.Address] = r.AttributeValues
		}
	}
	resp.Error = f.verify(ctx, view)
}

// destroyed is a CheckDestroy that holds when every fact does.
func destroyed(facts ...simFact) func(*terraform.State) error {
	return func(*terraform.State) error {
		var errs []error
		for _, f := range facts {
			errs = append(errs, f.verify(context.Background(), nil))
		}
		return errors.Join(errs...)
	}
}

// nothingLeft is a CheckDestroy: no container and no port allocation remain.
func (e *testEnv) nothingLeft() func(*terraform.State) error {
	return destroyed(expectGuestCount(e, 0), expectAllocationCount(e.allocationFile, 0))
}

// --- Containers -------------------------------------------------------------

var _ simFact = guestCount{}

type guestCount struct {
	e       *testEnv
	count   int
	running bool
}

// expectGuestCount holds when the cluster has exactly count guests.
func expectGuestCount(e *testEnv, count int) guestCount { return guestCount{e: e, count: count} }

// expectOneRunningGuest holds when the cluster has exactly one guest, running.
func expectOneRunningGuest(e *testEnv) guestCount {
	return guestCount{e: e, count: 1, running: true}
}

func (c guestCount) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c guestCount) verify(ctx context.Context, _ *stateView) error {
	guests, err := c.e.client.ClusterGuests(ctx)
	if err != nil {
		return fmt.Errorf("listing the cluster's guests: %w", err)
	}
	if len(guests) != c.count {
		return fmt.Errorf("%d containers in the cluster, want %d: %+v", len(guests), c.count, guests)
	}
	if c.running {
		for _, g := range guests {
			if g.Status != "running" {
				return fmt.Errorf("CT %d on %s is %s, want running", g.VMID, g.Node, g.Status)
			}
		}
	}
	return nil
}

var _ simFact = containerConfig{}

type containerConfig struct {
	e      *testEnv
	node   string
	vmid   int
	checks map[string]knownvalue.Check
}

// expectContainerConfig holds when the container exists on the node and each
// option of its configuration file passes its check (integers as
// json.Number, other values as string, an option not set as nil).
func expectContainerConfig(e *testEnv, node string, vmid int, checks map[string]knownvalue.Check) containerConfig {
	return containerConfig{e: e, node: node, vmid: vmid, checks: checks}
}

func (c containerConfig) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c containerConfig) verify(context.Context, *stateView) error {
	// The file pmxcfs holds, read on the node: what PVE keeps, whatever any
	// client makes of it.
	path := fmt.Sprintf("/etc/pve/lxc/%d.conf", c.vmid)
	out, code, err := c.e.onNode(c.node, "cat "+path)
	if err != nil || code != 0 {
		return fmt.Errorf("CT %d on %s: reading %s: exit %d, %v: %s", c.vmid, c.node, path, code, err, out)
	}
	options := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "[") {
			break // the snapshots' sections follow the current config
		}
		if key, value, ok := strings.Cut(line, ": "); ok && !strings.HasPrefix(line, "#") {
			options[key] = value
		}
	}
	var errs []error
	for key, check := range c.checks {
		var value any
		if v, ok := options[key]; ok {
			value = v
			if _, err := strconv.ParseInt(v, 10, 64); err == nil {
				value = json.Number(v)
			}
		}
		if err := check.CheckValue(value); err != nil {
			errs = append(errs, fmt.Errorf("CT %d on %s, option %s: %w", c.vmid, c.node, key, err))
		}
	}
	return errors.Join(errs...)
}

// int64Not is a knownvalue check that a number is anything but one value.
type int64Not int64

func (n int64Not) CheckValue(v any) error {
	num, ok := v.(json.Number)
	if !ok {
		return fmt.Errorf("expected json.Number value for Int64Not check, got: %T", v)
	}
	if got, err := num.Int64(); err != nil || got == int64(n) {
		return fmt.Errorf("expected a value other than %d, got: %s", int64(n), num)
	}
	return nil
}

func (n int64Not) String() string { return fmt.Sprintf("not %d", int64(n)) }

var _ simFact = inContainerOutput{}

type inContainerOutput struct {
	e       *testEnv
	vmid    int
	command string
	check   knownvalue.Check
}

// expectInContainer holds when a shell command inside the container exits 0
// and its output, trimmed, passes the check.
func expectInContainer(e *testEnv, vmid int, command string, check knownvalue.Check) inContainerOutput {
	return inContainerOutput{e: e, vmid: vmid, command: command, check: check}
}

func (c inContainerOutput) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c inContainerOutput) verify(ctx context.Context, _ *stateView) error {
	node, err := c.e.guestNode(ctx, c.vmid)
	if err != nil {
		return err
	}
	out, err := c.e.inContainer(node, c.vmid, c.command)
	if err != nil {
		return fmt.Errorf("%s in CT %d on %s: %w", c.command, c.vmid, node, err)
	}
	if err := c.check.CheckValue(out); err != nil {
		return fmt.Errorf("%s in CT %d on %s: %w", c.command, c.vmid, node, err)
	}
	return nil
}

// guestNode is the node guest vmid is on, as /cluster/resources says.
func (e *testEnv) guestNode(ctx context.Context, vmid int) (string, error) {
	guests, err := e.client.ClusterGuests(ctx)
	if err != nil {
		return "", err
	}
	for _, g := range guests {
		if g.VMID == vmid {
			return g.Node, nil
		}
	}
	return "", fmt.Errorf("CT %d is on no node", vmid)
}

var _ simFact = containerFile{}

type containerFile struct {
	e       *testEnv
	vmid    int
	path    string
	content string
}

// expectContainerFile holds when a file in the container holds content
// (compared without surrounding white space).
func expectContainerFile(e *testEnv, vmid int, path, content string) containerFile {
	return containerFile{e: e, vmid: vmid, path: path, content: content}
}

func (c containerFile) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c containerFile) verify(ctx context.Context, _ *stateView) error {
	node, err := c.e.guestNode(ctx, c.vmid)
	if err != nil {
		return err
	}
	got, err := c.e.inContainer(node, c.vmid, "cat "+c.path)
	if err != nil {
		return fmt.Errorf("reading %s in CT %d on %s: %w", c.path, c.vmid, node, err)
	}
	if diff := cmp.Diff(c.content, got); diff != "" {
		return fmt.Errorf("%s in CT %d on %s (-want +got):\n%s", c.path, c.vmid, node, diff)
	}
	return nil
}

var _ simFact = nodeFile{}

type nodeFile struct {
	e     *testEnv
	node  string
	path  string
	check knownvalue.Check
}

// expectNodeFile holds when a file on a node (say on /etc/pve) passes the check.
func expectNodeFile(e *testEnv, node, path string, check knownvalue.Check) nodeFile {
	return nodeFile{e: e, node: node, path: path, check: check}
}

func (c nodeFile) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c nodeFile) verify(context.Context, *stateView) error {
	out, code, err := c.e.onNode(c.node, "cat "+c.path)
	if err != nil || code != 0 {
		return fmt.Errorf("reading %s on %s: exit %d, %v: %s", c.path, c.node, code, err, out)
	}
	if err := c.check.CheckValue(out); err != nil {
		return fmt.Errorf("%s on %s: %w", c.path, c.node, err)
	}
	return nil
}

// containing is a knownvalue check that a string contains s.
func containing(s string) knownvalue.Check {
	return knownvalue.StringRegexp(regexp.MustCompile(regexp.QuoteMeta(s)))
}

var _ simFact = rootPassword{}

type rootPassword struct {
	e        *testEnv
	node     string
	vmid     int
	password string
}

// expectRootPassword holds when root's password inside the container, from
// its /etc/shadow, is password.
//
//nolint:unparam // the check names its node like the others, though every test uses pve1
func expectRootPassword(e *testEnv, node string, vmid int, password string) rootPassword {
	return rootPassword{e: e, node: node, vmid: vmid, password: password}
}

func (c rootPassword) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c rootPassword) verify(context.Context, *stateView) error {
	out, code, err := c.e.onNode(c.node, fmt.Sprintf("pct exec %d -- cat /etc/shadow", c.vmid))
	if err != nil || code != 0 {
		return fmt.Errorf("reading /etc/shadow: %d %v %s", code, err, out)
	}
	for _, line := range strings.Split(out, "\n") {
		if fields := strings.Split(line, ":"); fields[0] == "root" && len(fields) > 1 {
			if sha512_crypt.New().Verify(fields[1], []byte(c.password)) != nil {
				return fmt.Errorf("root's password is not %q", c.password)
			}
			return nil
		}
	}
	return fmt.Errorf("no root in /etc/shadow")
}

var _ simFact = noTasks{}

type noTasks struct{ e *testEnv }

// expectNoTasks holds when the simulator has started no task at all.
func expectNoTasks(e *testEnv) noTasks { return noTasks{e: e} }

func (c noTasks) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c noTasks) verify(context.Context, *stateView) error {
	if tasks := c.e.sim.Stats().Tasks; len(tasks) != 0 {
		return fmt.Errorf("tasks started, by type: %v", tasks)
	}
	return nil
}

var _ simFact = requestCount{}

type requestCount struct {
	e     *testEnv
	key   string
	check knownvalue.Check
}

// expectRequests holds when the number of requests the simulator counted
// for a method and path ("GET /nodes") passes the check.
func expectRequests(e *testEnv, key string, check knownvalue.Check) requestCount {
	return requestCount{e: e, key: key, check: check}
}

func (c requestCount) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c requestCount) verify(context.Context, *stateView) error {
	n := c.e.sim.Stats().Requests[c.key]
	if err := c.check.CheckValue(json.Number(strconv.Itoa(n))); err != nil {
		return fmt.Errorf("requests %s: %w", c.key, err)
	}
	return nil
}

// int64AtLeast is a knownvalue check that a number is at least min.
type int64AtLeast int64

func (n int64AtLeast) CheckValue(v any) error {
	num, ok := v.(json.Number)
	if !ok {
		return fmt.Errorf("expected json.Number value for Int64AtLeast check, got: %T", v)
	}
	if got, err := num.Int64(); err != nil || got < int64(n) {
		return fmt.Errorf("expected at least %d, got: %s", int64(n), num)
	}
	return nil
}

func (n int64AtLeast) String() string { return fmt.Sprintf("at least %d", int64(n)) }

// --- Allocations --------------------------------------------------------------

var _ simFact = allocationCount{}

type allocationCount struct {
	file  string
	count int
}

// expectAllocationCount holds when the local allocation file holds count
// allocations (a missing file holds none).
func expectAllocationCount(file string, count int) allocationCount {
	return allocationCount{file: file, count: count}
}

func (c allocationCount) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c allocationCount) verify(context.Context, *stateView) error {
	allocs, err := loadAllocations(c.file)
	if err != nil {
		return err
	}
	if len(allocs) != c.count {
		return fmt.Errorf("the allocation file holds %d allocations, want %d: %+v", len(allocs), c.count, allocs)
	}
	return nil
}

var _ simFact = allocationPair{}

type allocationPair struct {
	file             string
	owner            string
	public, internal int
}

// expectAllocationPair holds when the local allocation file gives the
// public port, with the internal one, to owner.
func expectAllocationPair(file string, public, internal int, owner string) allocationPair {
	return allocationPair{file: file, public: public, internal: internal, owner: owner}
}

func (c allocationPair) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c allocationPair) verify(context.Context, *stateView) error {
	allocs, err := loadAllocations(c.file)
	if err != nil {
		return err
	}
	type pair struct {
		Public, Internal int
		Owner            string
	}
	want := pair{c.public, c.internal, c.owner}
	for _, a := range allocs {
		if a.PublicPort == c.public {
			if diff := cmp.Diff(want, pair{a.PublicPort, a.InternalPort, a.Owner}); diff != "" {
				return fmt.Errorf("allocation of public port %d (-want +got):\n%s", c.public, diff)
			}
			return nil
		}
	}
	return fmt.Errorf("no allocation holds public port %d: %+v", c.public, allocs)
}

// --- Backups ------------------------------------------------------------------

var _ simFact = archiveCount{}

type archiveCount struct {
	e             *testEnv
	node, storage string
	vmid, count   int
}

// expectArchives holds when a storage of a node holds count backups of a guest.
//
//nolint:unparam // the check names its node like the others, though every test uses pve1
func expectArchives(e *testEnv, node, storage string, vmid, count int) archiveCount {
	return archiveCount{e: e, node: node, storage: storage, vmid: vmid, count: count}
}

func (c archiveCount) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c archiveCount) verify(ctx context.Context, _ *stateView) error {
	vols, err := c.e.client.Content(ctx, c.node, c.storage, "backup", c.vmid)
	if err != nil {
		return err
	}
	if len(vols) != c.count {
		return fmt.Errorf("%d archives of CT %d on %s:%s, want %d", len(vols), c.vmid, c.node, c.storage, c.count)
	}
	return nil
}

var _ simFact = archiveAttributes{}

type archiveAttributes struct {
	e             *testEnv
	node, storage string
	address       string
	notes         string
	protected     bool
}

// expectArchiveAttributes holds when the archive a proximity_backup of the
// state names has these notes and protection on the storage.
func expectArchiveAttributes(e *testEnv, node, storage, address, notes string, protected bool) archiveAttributes {
	return archiveAttributes{e: e, node: node, storage: storage, address: address, notes: notes, protected: protected}
}

func (c archiveAttributes) CheckState(ctx context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	checkFact(ctx, c, req, resp)
}

func (c archiveAttributes) verify(ctx context.Context, state *stateView) error {
	id, err := state.attribute(c.address, "id")
	if err != nil {
		return err
	}
	volid, _ := id.(string)
	info, err := c.e.client.GetVolume(ctx, c.node, c.storage, volid)
	if err != nil {
		return fmt.Errorf("reading %s: %w", volid, err)
	}
	type attributes struct {
		Notes     string
		Protected bool
	}
	if diff := cmp.Diff(attributes{c.notes, c.protected}, attributes{info.Notes, info.Protected == 1}); diff != "" {
		return fmt.Errorf("archive %s (-want +got):\n%s", volid, diff)
	}
	return nil
}
