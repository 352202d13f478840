package provider

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
)

var (
	stringType      = types.StringType
	nodeNamePattern = regexp.MustCompile(`^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$`)
)

func itoa(i int) string { return strconv.Itoa(i) }

// providerModel is the provider block.
type providerModel struct {
	Endpoint          types.String `tfsdk:"endpoint"`
	APIToken          types.String `tfsdk:"api_token"`
	Username          types.String `tfsdk:"username"`
	Password          types.String `tfsdk:"password"`
	OTP               types.String `tfsdk:"otp"`
	Insecure          types.Bool   `tfsdk:"insecure"`
	InsecureHTTP      types.Bool   `tfsdk:"insecure_http"`
	CACertPEM         types.String `tfsdk:"ca_cert_pem"`
	CACertFile        types.String `tfsdk:"ca_cert_file"`
	SSH               *sshModel    `tfsdk:"ssh"`
	DefaultNode       types.String `tfsdk:"default_node"`
	Placement         types.String `tfsdk:"placement"`
	AllocationStore   types.String `tfsdk:"allocation_store"`
	AllocationFile    types.String `tfsdk:"allocation_file"`
	CatalogPaths      types.List   `tfsdk:"catalog_paths"`
	AllowHostAccess   types.Bool   `tfsdk:"allow_host_access"`
	PublicPortRange   *portRange   `tfsdk:"public_port_range"`
	InternalPortRange *portRange   `tfsdk:"internal_port_range"`
	Retry             *retryModel  `tfsdk:"retry"`

	VMIDRange *vmidRangeModel `tfsdk:"vmid_range"` // provider_vmid.go
}

type sshModel struct {
	Username              types.String `tfsdk:"username"`
	PrivateKey            types.String `tfsdk:"private_key"`
	Password              types.String `tfsdk:"password"`
	Agent                 types.Bool   `tfsdk:"agent"`
	Port                  types.Int64  `tfsdk:"port"`
	HostKey               types.String `tfsdk:"host_key"`
	KnownHostsFile        types.String `tfsdk:"known_hosts_file"`
	InsecureIgnoreHostKey types.Bool   `tfsdk:"insecure_ignore_host_key"`
	Nodes                 types.Map    `tfsdk:"nodes"`
}

type portRange struct {
	From types.Int64 `tfsdk:"from"`
	To   types.Int64 `tfsdk:"to"`
}

type retryModel struct {
	MaxAttempts types.Int64  `tfsdk:"max_attempts"`
	MinBackoff  types.String `tfsdk:"min_backoff"`
	MaxBackoff  types.String `tfsdk:"max_backoff"`
}

func checkCertificatePEM(v string) string { return certificateProblem("ca_cert_pem", v) }

// certificateProblem says why v, the value of what (an attribute, a file),
// holds no usable PEM certificate, or returns "".
func certificateProblem(what, v string) string {
	rest := []byte(v)
	found := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type == "CERTIFICATE" {
			if _, err := x509.ParseCertificate(block.Bytes); err != nil {
				return what + " holds a certificate that does not parse: " + err.Error()
			}
			found++
		}
	}
	if found == 0 {
		return what + " must hold a PEM certificate (-----BEGIN CERTIFICATE-----), for example the content of /etc/pve/pve-root-ca.pem"
	}
	return ""
}

// objectAttrs reads the known attributes of an object value.
func objectAttrs(v basetypes.ObjectValue) (map[string]attr.Value, bool) {
	if v.IsNull() || v.IsUnknown() {
		return nil, false
	}
	return v.Attributes(), true
}

func knownInt(v attr.Value) (int64, bool) {
	i, ok := v.(types.Int64)
	if !ok || i.IsNull() || i.IsUnknown() {
		return 0, false
	}
	return i.ValueInt64(), true
}

func knownString(v attr.Value) (string, bool) {
	s, ok := v.(types.String)
	if !ok || s.IsNull() || s.IsUnknown() {
		return "", false
	}
	return s.ValueString(), true
}

// rangeOrder rejects a { from, to } range whose from is above its to;
// noun names what the range holds (port, VMID).
type rangeOrder struct{ noun string }

func (rangeOrder) Description(context.Context) string { return "from must not be greater than to" }
func (rangeOrder) MarkdownDescription(context.Context) string {
	return "`from` must not be greater than `to`"
}

func (o rangeOrder) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	attrs, ok := objectAttrs(req.ConfigValue)
	if !ok {
		return
	}
	from, okFrom := knownInt(attrs["from"])
	to, okTo := knownInt(attrs["to"])
	if okFrom && okTo && from > to {
		resp.Diagnostics.AddAttributeError(req.Path, "Inverted "+o.noun+" range",
			fmt.Sprintf("%s goes from %d down to %d; write the lower %s in from, for example { from = %d, to = %d }",
				req.Path, from, to, o.noun, to, from))
	}
}

// backoffOrder rejects min_backoff above max_backoff.
type backoffOrder struct{}

func (backoffOrder) Description(context.Context) string {
	return "min_backoff must not exceed max_backoff"
}
func (backoffOrder) MarkdownDescription(context.Context) string {
	return "`min_backoff` must not exceed `max_backoff`"
}

func (backoffOrder) ValidateObject(_ context.Context, req validator.ObjectRequest, resp *validator.ObjectResponse) {
	attrs, ok := objectAttrs(req.ConfigValue)
	if !ok {
		return
	}
	minText, ok1 := knownString(attrs["min_backoff"])
	maxText, ok2 := knownString(attrs["max_backoff"])
	if !ok1 || !ok2 {
		return
	}
	minD, err1 := time.ParseDuration(minText)
	maxD, err2 := time.ParseDuration(maxText)
	if err1 == nil && err2 == nil && minD > maxD {
		resp.Diagnostics.AddAttributeError(req.Path.AtName("min_backoff"), "Invalid retry backoff",
			fmt.Sprintf("min_backoff (%s) is longer than max_backoff (%s); the first wait must not exceed the longest one", minText, maxText))
	}
}
