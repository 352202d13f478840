package provider

import (
	"net"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

// TestAccStalledNodeEndsAtTheCreateTimeout: the node chosen for an app
// accepts SSH connections and never answers. The create ends at its 5 s
// timeout instead of hanging, and an app on another node deploys meanwhile.
func TestAccStalledNodeEndsAtTheCreateTimeout(t *testing.T) {
	e := newSimEnv(t, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c) // accepted, never answered
		}
	}()
	block := rawHCL(e.appProvider(withSSHNode("pve3", ln.Addr().String())))
	cfg := config(block,
		application("stalled", "nginx", "stalled").str("node", "pve3").set("timeouts", `{ create = "5s" }`),
		application("fine", "it-tools", "fine").str("node", "pve1"),
	)
	start := time.Now()
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: providerFactories,
		Steps:                    []resource.TestStep{{Config: cfg, ExpectError: errorLike(`deploying nginx as stalled: .*context deadline exceeded`)}},
	})
	if d := time.Since(start); d > 60*time.Second {
		t.Errorf("the run took %s", d)
	}
}
