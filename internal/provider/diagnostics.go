package provider

import (
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/diag"
)

// Reusable diagnostics, so every object words the same failures the same way.
// The typed errors of the layers below become diagnostics in errors_diagnostics.go.

func unexpectedConfigureType(diags *diag.Diagnostics, got any) {
	diags.AddError("Unexpected provider data",
		fmt.Sprintf("Expected *providerData, got %T. This is a bug in the provider; please report it.", got))
}

func notConfigured(diags *diag.Diagnostics, object string) {
	diags.AddError("Provider not configured",
		"The provider has no Proxmox connection yet, so "+object+" cannot be read. Check the provider block and the plan output above.")
}

type diagnostics = diag.Diagnostics

// configureData reads the provider data handed to a data source or resource.
func configureData(given any, diags *diag.Diagnostics) *providerData {
	if given == nil {
		return nil
	}
	data, ok := given.(*providerData)
	if !ok {
		unexpectedConfigureType(diags, given)
		return nil
	}
	if data.offline.HasError() {
		diags.Append(data.offline...)
		return nil
	}
	return data
}
