package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// The network an application's container gets when its spec names none.
const (
	DefaultBridge   = "vmbr0"
	DefaultIPConfig = "dhcp"
)

// ownTags are the user's tags plus Proximity's own, which record the app,
// its identity and its ports on the container so that any machine can see
// them. deploying marks a container that no Terraform state is known to hold
// yet.
func ownTags(userTags []string, catalogID, identity string, publicPort, internalPort int, deploying bool) pveclient.Tags {
	out := append(pveclient.Tags{}, userTags...)
	for _, t := range ownTagSet(catalogID, identity, publicPort, internalPort, deploying) {
		out = append(out, t.name+t.value)
	}
	sort.Strings(out)
	return out
}

// ownTag is one of Proximity's own tags: name alone, or name (a prefix)
// followed by a value that each create picks anew (picked says what it is,
// for messages).
type ownTag struct{ name, value, picked string }

// ownTagSet is the one list of Proximity's own tags: ownTags writes it and
// the plan-time tag check (refusedTags) checks it, so a tag added here
// cannot escape the check.
func ownTagSet(catalogID, identity string, publicPort, internalPort int, deploying bool) []ownTag {
	set := []ownTag{
		{name: TagProximity},
		{name: TagApp + catalogID},
		{name: allocstore.PublicTagPrefix, value: strconv.Itoa(publicPort), picked: "port"},
		{name: allocstore.InternalTagPrefix, value: strconv.Itoa(internalPort), picked: "port"},
	}
	if identity != "" {
		set = append(set, ownTag{name: TagID, value: identity, picked: "identity"})
	}
	if deploying {
		set = append(set, ownTag{name: TagDeploying})
	}
	return set
}

// newContainer is the create of an application's container: unprivileged,
// with nesting for Docker, started on boot, marked as being deployed.
func newContainer(spec Spec, entry *catalog.App, app App, storage string) pveclient.ContainerCreateRequest {
	yes, swap := true, 512
	return pveclient.ContainerCreateRequest{
		OSTemplate: app.Template,
		RootFS:     pveclient.ContainerMountPoint{Volume: fmt.Sprintf("%s:%d", storage, app.DiskGB)},
		ContainerSettings: pveclient.ContainerSettings{
			Hostname:    spec.Hostname,
			Description: spec.Description,
			Memory:      app.Memory,
			Cores:       app.Cores,
			Swap:        &swap,
			Networks: map[int]pveclient.ContainerNetwork{0: spec.Net.net0(pveclient.ContainerNetwork{
				Name:    "eth0",
				Bridge:  cmp.Or(spec.Bridge, DefaultBridge),
				IP:      cmp.Or(spec.IPConfig, DefaultIPConfig),
				Gateway: spec.Gateway,
			})},
			DNS:           spec.Net.dns(),
			Features:      &pveclient.ContainerFeatures{Nesting: &yes},
			Unprivileged:  &yes,
			OnBoot:        &yes,
			Tags:          ownTags(spec.Tags, entry.ID, app.Identity, app.PublicPort, app.InternalPort, true),
			Password:      spec.Password,
			SSHPublicKeys: spec.SSHPublicKeys,
		},
	}
}

// createWithFreshVMID picks a VMID and posts the create. No lock of ours is
// held around the API calls: PVE refuses a create whose VMID exists ("CT 100
// already exists") under its own config lock, so two runs that picked the
// same VMID cannot both get it, and the one refused tries the next. Holding
// the allocation lock here would stretch it over HTTP timeouts and retries,
// past pmxcfs's lock lifetime.
func (d *Service) createWithFreshVMID(
	ctx context.Context, node string, req pveclient.ContainerCreation, settings pveclient.ContainerSettings,
) (int, string, error) {
	for attempt := 0; attempt < 30; attempt++ {
		vmid, upid, err := d.pickAndCreate(ctx, node, req)
		switch kind := pveclient.KindOf(err); {
		case err == nil:
			return vmid, upid, nil
		case kind == pveclient.KindAlreadyExists:
			// Another run took it between nextid and the create: back off
			// a little, at random, so that racing runs spread out.
			if err := sleepCtx(ctx, time.Duration(10+mathrand.IntN(90))*time.Millisecond); err != nil {
				return 0, "", err
			}
			continue
		case kind == pveclient.KindTransient || kind == pveclient.KindLocked:
			// The answer was lost: the create may or may not have happened.
			ours, checkErr := d.isOurs(ctx, node, vmid, settings)
			if checkErr != nil {
				return 0, "", checkErr
			}
			if ours {
				return vmid, "", nil
			}
			continue
		}
		return 0, "", err
	}
	return 0, "", errors.New("every VMID tried was taken meanwhile; try again")
}

// vmidTurn makes the applies of one provider process take VMIDs one after
// another (nextid, then the create's synchronous part, about two requests),
// so that they do not race each other for the same id; runs in other
// processes are settled by PVE's already-exists check.
var vmidTurn = make(chan struct{}, 1)

func (d *Service) pickAndCreate(ctx context.Context, node string, req pveclient.ContainerCreation) (int, string, error) {
	select {
	case vmidTurn <- struct{}{}:
		defer func() { <-vmidTurn }()
	case <-ctx.Done():
		return 0, "", ctx.Err()
	}
	vmid, err := d.nextVMID(ctx)
	if err != nil {
		return 0, "", err
	}
	upid, err := d.Client.StartCreateContainer(ctx, node, vmid, req)
	return vmid, upid, err
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// isOurs reports whether a container now under vmid is the one these
// settings create: same hostname, and still marked as being deployed.
func (d *Service) isOurs(ctx context.Context, node string, vmid int, want pveclient.ContainerSettings) (bool, error) {
	cfg, err := d.Client.ContainerConfig(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return cfg.Hostname == want.Hostname && slices.Contains(cfg.Tags, TagDeploying) && identityOf(cfg.Tags) == identityOf(want.Tags), nil
}

// waitCreated waits for a create whose task id was lost: until the config
// no longer holds the create lock.
func (d *Service) waitCreated(ctx context.Context, node string, vmid int) error {
	for delay := 200 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		st, err := d.Client.GuestStatus(ctx, node, vmid)
		if err != nil {
			return err
		}
		if st.Lock != "create" {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
	}
}

func (d *Service) waitAddress(ctx context.Context, node string, vmid int) (string, error) {
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		ip, err := d.Client.GuestIPv4(ctx, node, vmid)
		if err != nil {
			return "", err
		}
		if ip != "" {
			return ip, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("CT %d got no IPv4 address on eth0: %w", vmid, ctx.Err())
		case <-time.After(delay):
		}
	}
}
