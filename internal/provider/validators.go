package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"golang.org/x/crypto/ssh"

	"github.com/proximity-project/terraform-provider-proximity/internal/deploy"
)

// apiTokenPattern is USER@REALM!TOKENID=SECRET, as pveum prints it.
var apiTokenPattern = regexp.MustCompile(`^[^\s@!=]+@[^\s@!=]+![A-Za-z][A-Za-z0-9._-]*=\S+$`)

// usernamePattern needs the realm, as PVE does (root@pam, alice@pve).
var usernamePattern = regexp.MustCompile(`^[^\s@]+@[^\s@]+$`)

// stringCheck adapts a func to validator.String, so each rule is one small function.
type stringCheck struct {
	description string
	check       func(string) string // returns the problem, or ""
}

func (v stringCheck) Description(context.Context) string         { return v.description }
func (v stringCheck) MarkdownDescription(context.Context) string { return v.description }

func (v stringCheck) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := v.check(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid "+req.Path.String(), problem)
	}
}

func endpointValidator() validator.String {
	return stringCheck{"an https URL of the Proxmox API, such as https://pve.example.com:8006", checkEndpoint}
}

func checkEndpoint(v string) string {
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Sprintf("%q is not a URL; write the address of the Proxmox API, for example https://pve.example.com:8006", v)
	}
	if u.Path != "" && u.Path != "/" && strings.TrimSuffix(u.Path, "/") != "/api2/json" {
		return fmt.Sprintf("%q has a path; write only scheme, host and port, for example https://%s", v, u.Host)
	}
	return ""
}

func apiTokenValidator() validator.String {
	return stringCheck{"USER@REALM!TOKENID=SECRET", checkAPIToken}
}

func checkAPIToken(v string) string {
	if !apiTokenPattern.MatchString(v) {
		return "the API token must look like USER@REALM!TOKENID=SECRET, for example terraform@pve!proximity=0d1f...; " +
			"pveum user token add prints the token id and the secret"
	}
	return ""
}

func usernameValidator() validator.String {
	return stringCheck{"a user with its realm, such as root@pam", func(v string) string {
		if !usernamePattern.MatchString(v) {
			return fmt.Sprintf("%q has no realm; write the user with its realm, for example root@pam or terraform@pve", v)
		}
		return ""
	}}
}

func privateKeyValidator() validator.String {
	return stringCheck{"an OpenSSH or PEM private key", checkPrivateKey}
}

func checkPrivateKey(v string) string {
	if _, err := ssh.ParsePrivateKey([]byte(v)); err != nil {
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return "the private key is protected by a passphrase; use an unencrypted key for automation, or agent = true with ssh-agent"
		}
		return "the private key does not parse (" + err.Error() + "); give the key file's content, for example private_key = file(\"~/.ssh/id_ed25519\")"
	}
	return ""
}

func hostKeyValidator() validator.String {
	return stringCheck{"a public key in authorized_keys format", func(v string) string {
		if _, _, _, _, err := ssh.ParseAuthorizedKey([]byte(v)); err != nil {
			return "host_key must be a public key line such as \"ssh-ed25519 AAAA...\" (ssh-keyscan prints them, or /etc/ssh/ssh_host_ed25519_key.pub " +
				"on the node)"
		}
		return ""
	}}
}

func hostPortValidator() validator.String {
	return stringCheck{"host:port", func(v string) string {
		host, port, err := net.SplitHostPort(v)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("%q must be host:port, for example 192.0.2.11:22", v)
		}
		return ""
	}}
}

func durationValidator() validator.String {
	return stringCheck{"a duration such as 500ms or 10s", func(v string) string {
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			return fmt.Sprintf("%q is not a positive duration; write for example 500ms, 2s or 1m", v)
		}
		return ""
	}}
}

func ipAddressValidator() validator.String {
	return stringCheck{"`dhcp`, or an IPv4 address with its prefix length, such as 192.168.1.50/24", func(v string) string {
		if v == "dhcp" {
			return ""
		}
		if p, err := netip.ParsePrefix(v); err != nil || !p.Addr().Is4() {
			return fmt.Sprintf("%q is neither dhcp nor an IPv4 address with its prefix length; write for example 192.168.1.50/24", v)
		}
		return ""
	}}
}

func gatewayValidator() validator.String {
	return stringCheck{"an IPv4 address, such as 192.168.1.1", func(v string) string {
		if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
			return fmt.Sprintf("%q is not an IPv4 address; write for example 192.168.1.1", v)
		}
		return ""
	}}
}

// The rules below are deploy's; the provider only reports them at plan time.

func reservedTagValidator() validator.String {
	return stringCheck{"not a tag of Proximity's own", func(v string) string {
		if deploy.IsReservedTag(v) {
			return fmt.Sprintf("%q is reserved: Proximity keeps its own metadata in the tags proximity and px-*; choose another tag", v)
		}
		return ""
	}}
}

func environmentNameValidator() validator.String {
	return stringCheck{"a variable name: letters, digits and underscores, not starting with a digit", deploy.CheckEnvironmentName}
}

func bridgeValidator() validator.String {
	return stringCheck{"a bridge name such as vmbr0", deploy.CheckBridge}
}

func passwordValidator() validator.String {
	return stringCheck{"a password on one line", deploy.CheckPassword}
}
