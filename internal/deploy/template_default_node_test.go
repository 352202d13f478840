package deploy

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestCheckTemplateLooksOnTheDefaultNode: with no node set on the app, the
// apply creates it on the provider's default_node (chooseNode), so the plan
// must look for the template there. A template only pve2 holds, and that
// aplinfo does not offer, is refused for default_node = pve1 (before, any
// online node holding it passed the plan and the create failed on pve1),
// and passes for default_node = pve2.
func TestCheckTemplateLooksOnTheDefaultNode(t *testing.T) {
	d, _ := newService(t)
	ctx := context.Background()
	const custom = "debian-12-custom_12.7-1_amd64.tar.zst"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("rootfs")) }))
	t.Cleanup(srv.Close)
	onNode(t, d, "pve2", "pvesh create /nodes/pve2/storage/local/download-url --content vztmpl --filename "+custom+" --url "+srv.URL+"/t")

	d.DefaultNode = "pve1"
	err := d.CheckTemplate(ctx, "", custom)
	if err == nil || !strings.Contains(err.Error(), "is on no template storage of pve1 ") {
		t.Errorf("template on pve2 only, default_node pve1: %v", err)
	}
	d.DefaultNode = "pve2"
	if err := d.CheckTemplate(ctx, "", custom); err != nil {
		t.Errorf("template on pve2, default_node pve2: %v", err)
	}
	// The app's own node still comes first.
	if err := d.CheckTemplate(ctx, "pve1", custom); err == nil {
		t.Errorf("template on pve2 only, node pve1 with default_node pve2: no error")
	}
	d.DefaultNode = ""
	if err := d.CheckTemplate(ctx, "", custom); err != nil {
		t.Errorf("template on pve2, no node and no default_node: %v", err)
	}
}
