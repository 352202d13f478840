package pvesim

import (
	"strings"
	"testing"

	proxmox "github.com/luthermonson/go-proxmox"
)

// TestAccessRoutesWithGoProxmox drives the access control routes with a
// general Proxmox client, as a user of the simulator would.
func TestAccessRoutesWithGoProxmox(t *testing.T) {
	sim := startSim(t, Options{})
	c := pveClient(t, sim)
	ctx := ctx(t)
	if err := c.NewGroup(ctx, "deployers", "CI"); err != nil {
		t.Fatalf("NewGroup: %v", err)
	}
	if err := c.NewUser(ctx, &proxmox.NewUser{UserID: "bot@pve", Enable: true, Groups: []string{"deployers"}, Comment: "ci: bot",
		Password: "long enough"}); err != nil {
		t.Fatalf("NewUser: %v", err)
	}
	if err := c.NewRole(ctx, "AppDeployer", "VM.Allocate,VM.Audit,Datastore.AllocateSpace"); err != nil {
		t.Fatalf("NewRole: %v", err)
	}
	if err := c.NewRole(ctx, "PVEMine", "VM.Audit"); err == nil || !strings.Contains(err.Error(), "'PVE' namespace") {
		t.Errorf("a PVE role name: %v", err)
	}
	if err := c.UpdateACL(ctx, proxmox.ACLOptions{Path: "/vms", Roles: "AppDeployer", Groups: "deployers", Propagate: true}); err != nil {
		t.Fatalf("UpdateACL: %v", err)
	}
	if err := c.UpdateACL(ctx, proxmox.ACLOptions{Path: "/nowhere", Roles: "AppDeployer", Users: "bot@pve", Propagate: true}); err == nil ||
		!strings.Contains(err.Error(), "400") {
		t.Errorf("an invalid ACL path: %v", err)
	}
	user, err := c.User(ctx, "bot@pve")
	if err != nil {
		t.Fatalf("User: %v", err)
	}
	if user.Comment != "ci: bot" || !bool(user.Enable) {
		t.Errorf("user read back: %+v", user)
	}
	tok, err := user.NewAPIToken(ctx, proxmox.Token{TokenID: "deploy", Comment: "from go-proxmox"})
	if err != nil {
		t.Fatalf("NewAPIToken: %v", err)
	}
	if tok.FullTokenID != "bot@pve!deploy" || len(tok.Value) != 36 {
		t.Errorf("new token: %+v", tok)
	}
	tokens, err := user.GetAPITokens(ctx)
	// go-proxmox always sends privsep, false here.
	if err != nil || len(tokens) != 1 || bool(tokens[0].Privsep) || tokens[0].Comment != "from go-proxmox" {
		t.Errorf("tokens: %+v %v", tokens, err)
	}
	if err := c.UpdateACL(ctx, proxmox.ACLOptions{Path: "/storage/local", Roles: "PVEDatastoreUser", Users: "bot@pve", Propagate: true}); err != nil {
		t.Fatalf("UpdateACL: %v", err)
	}
	acl, err := c.ACL(ctx)
	if err != nil || len(acl) != 3 { // with terraform@pve's PVEAdmin on /
		t.Fatalf("ACL: %v %v", acl, err)
	}
	perms, err := c.Permissions(ctx, &proxmox.PermissionsOptions{UserID: "bot@pve", Path: "/vms/123"})
	if err != nil {
		t.Fatalf("Permissions: %v", err)
	}
	if _, ok := perms["/vms/123"]["VM.Allocate"]; !ok || len(perms["/vms/123"]) != 3 {
		t.Errorf("permissions of the group's role: %v", perms)
	}
	roles, err := c.Roles(ctx)
	if err != nil || len(roles) != len(roles84.special)+1 {
		t.Errorf("roles: %d %v", len(roles), err)
	}
	groups, err := c.Groups(ctx)
	if err != nil || len(groups) != 1 || groups[0].Users != "bot@pve" {
		t.Errorf("groups: %+v %v", groups, err)
	}
	if err := user.DeleteAPIToken(ctx, "deploy"); err != nil {
		t.Errorf("DeleteAPIToken: %v", err)
	}
	if err := user.Delete(ctx); err != nil {
		t.Errorf("Delete: %v", err)
	}
	users, _ := c.Users(ctx)
	for _, u := range users {
		if u.UserID == "bot@pve" {
			t.Error("the user is still listed")
		}
	}
	acl, _ = c.ACL(ctx)
	for _, e := range acl {
		if e.UGID == "bot@pve" {
			t.Errorf("a deleted user's ACL entry stays: %+v", e)
		}
	}
	if len(acl) != 2 {
		t.Errorf("the group's entry goes with the user: %d entries", len(acl))
	}
}
