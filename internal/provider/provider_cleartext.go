package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// cleartextEndpoint refuses an http:// endpoint when the configuration is
// validated (terraform validate, and before any plan): PVE serves its API
// over HTTPS only, on port 8006, so http:// is a typo that would send the
// token in cleartext. insecure_http keeps the way open for a local proxy
// that terminates TLS. An endpoint from the environment is checked by
// Configure (resolveTLS), which sees the environment.
type cleartextEndpoint struct{}

func (cleartextEndpoint) Description(context.Context) string {
	return "endpoint must be https:// unless insecure_http is set"
}

func (v cleartextEndpoint) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (cleartextEndpoint) ValidateProvider(ctx context.Context, req provider.ValidateConfigRequest, resp *provider.ValidateConfigResponse) {
	var endpoint types.String
	var allowed types.Bool
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("endpoint"), &endpoint)...)
	resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root("insecure_http"), &allowed)...)
	if endpoint.IsNull() || endpoint.IsUnknown() || allowed.IsUnknown() || allowed.ValueBool() {
		return
	}
	if strings.HasPrefix(strings.ToLower(endpoint.ValueString()), "http://") {
		resp.Diagnostics.AddAttributeError(path.Root("endpoint"), "Cleartext endpoint", cleartextDetail(endpoint.ValueString()))
	}
}

// cleartextDetail says why an http:// endpoint is refused and what to write.
func cleartextDetail(endpoint string) string {
	return fmt.Sprintf("%s is plain http, which would send the credentials in cleartext, and the Proxmox API answers only HTTPS. "+
		"Write endpoint = %q, or set insecure_http = true for a local proxy that terminates TLS.",
		endpoint, "https://"+endpoint[len("http://"):])
}
