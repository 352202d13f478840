package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

func TestAccBackupsDataSource(t *testing.T) {
	sim := newSim(t, "")
	client := simClient(t, sim)
	ctx := context.Background()
	if err := client.CreateGuest(ctx, "pve1", 100, map[string]any{"ostemplate": "local:vztmpl/alpine-3.22-default_20250617_amd64.tar.xz", "rootfs": "local-lvm:2"}, nil); err != nil {
		t.Fatal(err)
	}
	var made []pveclient.Volume
	for _, notes := range []string{"first", "second\nline"} {
		v, err := client.Backup(ctx, "pve1", 100, pveclient.BackupOptions{Storage: "local", Mode: "snapshot", Compress: "zstd", Notes: notes, Protected: notes == "first"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, v)
	}
	const ds = "data.proximity_backups.app"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      providerBlock(sim, "") + `data "proximity_backups" "app" {` + "\n" + `application_id = "pve1/100"` + "\n" + `vmid = 100` + "\n}",
				ExpectError: errorLike(`Exactly one of these attributes must be configured: \[application_id,vmid\]`),
			},
			{
				Config: providerBlock(sim, "") + `data "proximity_backups" "app" {` + "\n" + `application_id = "pve1/100"` + "\n}",
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("backups"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"volid": knownvalue.StringExact(made[1].VolID), "notes": knownvalue.StringExact("second"),
							"protected": knownvalue.Bool(false), "node": knownvalue.StringExact("pve1"), "format": knownvalue.StringExact("tar.zst"),
						}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"volid": knownvalue.StringExact(made[0].VolID), "notes": knownvalue.StringExact("first"), "protected": knownvalue.Bool(true),
						}),
					})),
				},
			},
			{
				Config: providerBlock(sim, "") + `data "proximity_backups" "app" {` + "\n" + fmt.Sprintf("vmid = %d\nstorage = %q", 100, "local-lvm") + "\n}",
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("backups"), knownvalue.ListSizeExact(0)),
				},
			},
		},
	})
}
