package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// TestSetPortsNullForNone pins what the state says of what is not there:
// null, never "" or 0 (issue 16, item 9).
func TestSetPortsNullForNone(t *testing.T) {
	var m applicationModel
	m.setPorts("", 0, 0)
	if !m.AllocationID.IsNull() || !m.PublicPort.IsNull() || !m.InternalPort.IsNull() {
		t.Fatalf("no ports: allocation_id %v, public_port %v, internal_port %v; want null", m.AllocationID, m.PublicPort, m.InternalPort)
	}
	m.setPorts("", 8100, 9100) // an app on a port_allocation_id
	if !m.AllocationID.IsNull() || m.PublicPort.ValueInt64() != 8100 || m.InternalPort.ValueInt64() != 9100 {
		t.Fatalf("borrowed pair: allocation_id %v, ports %v/%v", m.AllocationID, m.PublicPort, m.InternalPort)
	}
	m.setPorts("pa-1", 8100, 9100)
	if m.AllocationID.ValueString() != "pa-1" {
		t.Fatalf("own pair: allocation_id %v, want pa-1", m.AllocationID)
	}
}

// TestReadKeepsEmptyValuesOfOlderStates: a state written before the nulls
// holds "" and 0. A read leaves them as they are (only a create, an import
// or a takeover writes them), and the plan keeps them (UseStateForUnknown),
// so an older state never shows a difference for them.
func TestReadKeepsEmptyValuesOfOlderStates(t *testing.T) {
	m := applicationModel{
		CatalogID: types.StringValue("it-tools"), AllocationID: types.StringValue(""),
		PublicPort: types.Int64Value(8100), InternalPort: types.Int64Value(9100),
		Tags: types.SetNull(types.StringType), Description: types.StringNull(), IPConfig: types.ObjectNull(ipConfigType),
	}
	var diags diag.Diagnostics
	m.setObserved(context.Background(), deploy.Observed{Running: true, Hostname: "web", Memory: 128, Cores: 1, CatalogID: "it-tools",
		PublicPort: 8100, InternalPort: 9100, IP: "10.10.0.5", URL: "http://10.10.0.5:80"}, &diags)
	if diags.HasError() {
		t.Fatal(diags)
	}
	if m.AllocationID.IsNull() || m.AllocationID.ValueString() != "" {
		t.Fatalf("allocation_id %v after a read, want the state's \"\"", m.AllocationID)
	}
}
