package provider

import (
	"errors"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"

	"github.com/proximity-project/terraform-provider-proximity/internal/backups"
)

// A backup its storage failed (vzdump's task: "could not activate storage
// ...") is an error on storage, with what to change there.
func TestBackupStorageErrorIsOnStorage(t *testing.T) {
	var diags diag.Diagnostics
	err := &backups.StorageError{Node: "pve1", Storage: "nas", Err: errors.New("could not activate storage 'nas': storage 'nas' is disabled")}
	addError(&diags, "Unable to back up the container", "backing up CT 150 on pve1: "+err.Error(), err)
	if len(diags) != 1 {
		t.Fatalf("diagnostics %v", diags)
	}
	d, ok := diags[0].(diag.DiagnosticWithPath)
	if !ok || !d.Path().Equal(path.Root("storage")) {
		t.Fatalf("diagnostic %v is not on storage", diags[0])
	}
	advice := "; choose a storage that is enabled on the node and takes backup content, or leave storage unset for the default"
	if !strings.HasSuffix(d.Detail(), advice) ||
		!strings.Contains(d.Detail(), "storage nas cannot take backups on node pve1: could not activate storage 'nas'") {
		t.Errorf("detail %q", d.Detail())
	}
}
