package provider

import (
	"context"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // TOTP (RFC 6238) is HMAC-SHA1
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
)

// totpNow is the current 6-digit code of a TOTP secret, as an
// authenticator app shows it.
func totpNow(secret []byte) string {
	mac := hmac.New(sha1.New, secret)
	_ = binary.Write(mac, binary.BigEndian, uint64(time.Now().Unix()/30)) //nolint:gosec // positive
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1000000)
}

// TestAccPasswordLoginWithTOTP: root@pam has a TOTP second factor (in
// /etc/pve/priv/tfa.cfg, as PVE keeps it). A password login without otp
// fails naming the user and what is missing, instead of carrying on with
// PVE's half-way ticket; with the code an authenticator app shows, in the
// PROXMOX_VE_OTP variable of bpg's provider, the login completes.
func TestAccPasswordLoginWithTOTP(t *testing.T) {
	e := newSimEnv(t, "")
	secret := []byte("proximity-acc-totp")
	uri := "otpauth://totp/pve:root@pam?secret=" + base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	cfg := `{"users":{"root@pam":{"totp":[{"id":"t1","description":"phone","created":1700000000,"entry":"` + uri + `"}]}}}`
	var stderr strings.Builder
	if code, err := e.sim.RunOnNode(context.Background(), "pve1", "cat > /etc/pve/priv/tfa.cfg", strings.NewReader(cfg), &stderr, &stderr); err != nil ||
		code != 0 {
		t.Fatalf("writing tfa.cfg: %d %v %s", code, err, stderr.String())
	}
	block := e.provider(withPasswordLogin())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps: []resource.TestStep{
			{
				Config:      block + nodesConfig,
				ExpectError: errorLike(`user root@pam has two-factor authentication: the login needs the current one-time password \(TOTP code\) as otp`),
			},
			{
				PreConfig: func() { t.Setenv("PROXMOX_VE_OTP", totpNow(secret)) },
				Config:    block + nodesConfig,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.proximity_nodes.all", tfjsonpath.New("nodes"), knownvalue.ListSizeExact(3)),
				},
			},
		},
	})
}
