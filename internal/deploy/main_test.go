package deploy

import (
	"os"
	"testing"
	"time"
)

// TestMain shortens the services' settle time: the simulator runs a
// container's life in milliseconds, and a real-time settle of seconds per
// deployment would only slow the package.
func TestMain(m *testing.M) {
	ServicesSettle = 50 * time.Millisecond
	os.Exit(m.Run())
}
