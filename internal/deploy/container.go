package deploy

import (
	"context"
	"errors"
	"fmt"
	mathrand "math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/catalog"
	"github.com/proximity-project/terraform-provider-proximity/internal/allocstore"
	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// ownTags are the user's tags plus Proximity's own, which record the app,
// its identity and its ports on the container so that any machine can see
// them. deploying marks a container that no Terraform state is known to hold
// yet.
func ownTags(userTags []string, catalogID, identity string, publicPort, internalPort int, deploying bool) string {
	out := append([]string{}, userTags...)
	out = append(out, TagProximity, TagApp+catalogID, allocstore.PublicTagPrefix+strconv.Itoa(publicPort), allocstore.InternalTagPrefix+strconv.Itoa(internalPort))
	if identity != "" {
		out = append(out, TagID+identity)
	}
	if deploying {
		out = append(out, TagDeploying)
	}
	sort.Strings(out)
	return strings.Join(out, ";")
}

func containerOptions(spec Spec, entry *catalog.App, app App, storage string) map[string]any {
	bridge := spec.Bridge
	if bridge == "" {
		bridge = "vmbr0"
	}
	ip := spec.IPConfig
	if ip == "" {
		ip = "dhcp"
	}
	net := "name=eth0,bridge=" + bridge + ",ip=" + ip
	if spec.Gateway != "" {
		net += ",gw=" + spec.Gateway
	}
	opts := map[string]any{
		"ostemplate": app.Template, "hostname": spec.Hostname, "memory": app.Memory, "cores": app.Cores, "swap": 512,
		"rootfs": fmt.Sprintf("%s:%d", storage, app.DiskGB), "net0": net, "unprivileged": 1, "features": "nesting=1",
		"onboot": 1, "tags": ownTags(spec.Tags, entry.ID, app.Identity, app.PublicPort, app.InternalPort, true),
	}
	if spec.Description != "" {
		opts["description"] = spec.Description
	}
	if spec.Password != "" {
		opts["password"] = spec.Password
	}
	if spec.SSHPublicKeys != "" {
		opts["ssh-public-keys"] = spec.SSHPublicKeys
	}
	return opts
}

// createWithFreshVMID picks a VMID and posts the create. No lock of ours is
// held around the API calls: PVE refuses a create whose VMID exists ("CT 100
// already exists") under its own config lock, so two runs that picked the
// same VMID cannot both get it, and the one refused tries the next. Holding
// the allocation lock here would stretch it over HTTP timeouts and retries,
// past pmxcfs's lock lifetime.
func (d *Deps) createWithFreshVMID(ctx context.Context, node string, options map[string]any) (int, string, error) {
	for attempt := 0; attempt < 30; attempt++ {
		vmid, upid, err := d.pickAndCreate(ctx, node, options)
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
			ours, checkErr := d.isOurs(ctx, node, vmid, options)
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

func (d *Deps) pickAndCreate(ctx context.Context, node string, options map[string]any) (int, string, error) {
	select {
	case vmidTurn <- struct{}{}:
		defer func() { <-vmidTurn }()
	case <-ctx.Done():
		return 0, "", ctx.Err()
	}
	vmid, err := d.Client.NextID(ctx)
	if err != nil {
		return 0, "", err
	}
	upid, err := d.Client.StartCreateGuest(ctx, node, vmid, options)
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
// options create: same hostname, and still marked as being deployed.
func (d *Deps) isOurs(ctx context.Context, node string, vmid int, options map[string]any) (bool, error) {
	cfg, err := d.Client.GuestConfig(ctx, node, vmid)
	if pveclient.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	tags := strings.Split(cfg.String("tags"), ";")
	want := identityOf(strings.Split(fmt.Sprint(options["tags"]), ";"))
	return cfg.String("hostname") == fmt.Sprint(options["hostname"]) && slices.Contains(tags, TagDeploying) && identityOf(tags) == want, nil
}

// waitCreated waits for a create whose task id was lost: until the config
// no longer holds the create lock.
func (d *Deps) waitCreated(ctx context.Context, node string, vmid int) error {
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

func (d *Deps) waitAddress(ctx context.Context, node string, vmid int) (string, error) {
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
