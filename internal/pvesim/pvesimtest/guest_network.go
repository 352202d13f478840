package pvesimtest

import (
	"fmt"
	"math/rand/v2"
	"sync/atomic"
)

// Each simulator of a test gets its own /24 in 127.64.0.0/10 (16384 of
// them, all routed to lo by Linux), so two simulators never serve on the
// same address. The start is random per process and the rest counts up
// from it, so parallel test processes (go test ./... runs packages at
// once) rarely meet either.
var (
	networkStart = rand.Uint32N(guestNetworks)
	networkCount atomic.Uint32
)

const guestNetworks = 1 << 14 // the /24s of a /10

// NextGuestNetwork is the next loopback /24 for a test's simulator.
func NextGuestNetwork() string {
	i := (networkStart + networkCount.Add(1) - 1) % guestNetworks
	return fmt.Sprintf("127.%d.%d.0/24", 64+i>>8, i&0xff)
}
