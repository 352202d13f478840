package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// TestValidateRefusesCleartextEndpoint: terraform validate, which runs no
// Configure, refuses an http:// endpoint at the endpoint attribute, and
// accepts it with insecure_http. Before, only Configure (a plan) refused it.
func TestValidateRefusesCleartextEndpoint(t *testing.T) {
	ctx := context.Background()
	server, err := providerserver.NewProtocol6WithError(New("test")())()
	if err != nil {
		t.Fatal(err)
	}
	typ, ok := providerSchema().Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		t.Fatal("the provider schema is not an object")
	}
	validate := func(set map[string]tftypes.Value) []*tfprotov6.Diagnostic {
		attrs := map[string]tftypes.Value{}
		for name, at := range typ.AttributeTypes {
			attrs[name] = tftypes.NewValue(at, nil)
		}
		for name, v := range set {
			attrs[name] = v
		}
		config, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, attrs))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := server.ValidateProviderConfig(ctx, &tfprotov6.ValidateProviderConfigRequest{Config: &config})
		if err != nil {
			t.Fatal(err)
		}
		return resp.Diagnostics
	}
	cleartext := map[string]tftypes.Value{
		"endpoint":  tftypes.NewValue(tftypes.String, "http://pve.example.com:8006"),
		"api_token": tftypes.NewValue(tftypes.String, "root@pam!tf=secret"),
	}
	diags := validate(cleartext)
	if len(diags) != 1 || diags[0].Severity != tfprotov6.DiagnosticSeverityError || diags[0].Summary != "Cleartext endpoint" ||
		diags[0].Attribute.String() != tftypes.NewAttributePath().WithAttributeName("endpoint").String() ||
		!strings.Contains(diags[0].Detail, `Write endpoint = "https://pve.example.com:8006"`) {
		t.Fatalf("validate of an http:// endpoint: %+v", diags)
	}
	cleartext["insecure_http"] = tftypes.NewValue(tftypes.Bool, true)
	if diags := validate(cleartext); len(diags) != 0 {
		t.Errorf("validate with insecure_http: %+v", diags[0])
	}
}
