package provider

import (
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// ipConfigAttributes are the fields of an ip_config block, which an
// application and the gateway share; example is a static address for the
// description.
func ipConfigAttributes(example string) map[string]schema.Attribute {
	return map[string]schema.Attribute{
		"address": schema.StringAttribute{
			Required:            true,
			MarkdownDescription: "`dhcp`, or a static IPv4 address with its prefix length, such as `" + example + "`.",
			Validators:          []validator.String{ipAddressValidator()},
		},
		"gateway": schema.StringAttribute{
			Optional:            true,
			MarkdownDescription: "Default gateway for a static address, such as `192.168.1.1`.",
			Validators:          []validator.String{gatewayValidator()},
		},
	}
}

// checkIPConfigGateway refuses at plan time a gateway with DHCP, which
// gives its own.
func checkIPConfigGateway(ipConfig types.Object, diags *diag.Diagnostics) {
	if address, gateway := ipConfigOf(ipConfig); address == "dhcp" && gateway != "" {
		diags.AddAttributeError(path.Root("ip_config").AtName("gateway"), "Gateway without a static address",
			"DHCP gives the gateway; set ip_config.address to a static address such as 192.168.1.50/24, or leave gateway out.")
	}
}
