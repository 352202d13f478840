package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

func TestAccBackupsDataSource(t *testing.T) {
	e := newSimEnv(t, "")
	client := e.client
	ctx := context.Background()
	e.must(client.CreateContainer(ctx, "pve1", 100, plainContainer(pveclient.ContainerSettings{}), nil))
	var made []pveclient.Volume
	for _, notes := range []string{"first", "second\nline"} {
		v, err := client.Backup(ctx, "pve1", 100,
			pveclient.BackupOptions{Storage: "local", Mode: "snapshot", Compress: "zstd", Notes: notes, Protected: notes == "first"})
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, v)
	}
	block := rawHCL(e.provider())
	backups := dataBlock("proximity_backups", "app")
	ds := backups.address()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      config(block, backups.str("application_id", "pve1/100").num("vmid", 100)),
				ExpectError: errorLike(`Exactly one of these attributes must be configured: \[application_id,vmid\]`),
			},
			{
				Config: config(block, backups.str("application_id", "pve1/100")),
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
				Config: config(block, backups.num("vmid", 100).str("storage", "local-lvm")),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue(ds, tfjsonpath.New("backups"), knownvalue.ListSizeExact(0)),
				},
			},
		},
	})
}
