package pvesim

import (
	"context"
	"time"
)

// clock scales every simulated duration by the -time-scale factor, so a 2 s
// task takes 20 ms at 0.01 while logs and ages keep their simulated meaning.
type clock struct {
	scale float64
}

// real converts a simulated duration to wall-clock time.
func (c clock) real(d time.Duration) time.Duration {
	return time.Duration(float64(d) * c.scale)
}

// minLockWait is the shortest wall-clock wait for a file lock (lock_file,
// pmxcfs): at small time scales a scaled 10 s wait is a few milliseconds,
// less than a loaded machine may take to schedule the holder's release, and
// a wait that succeeds on PVE must not fail here for that reason.
const minLockWait = 250 * time.Millisecond

// lockWait converts a lock timeout to wall-clock time, never below minLockWait.
func (c clock) lockWait(d time.Duration) time.Duration {
	return max(c.real(d), min(d, minLockWait))
}

// sleep waits a simulated duration, or until ctx ends.
func (c clock) sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(c.real(d))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// simulatedAge is how much simulated time has passed since a wall-clock instant.
func (c clock) simulatedAge(since time.Time) time.Duration {
	if c.scale <= 0 {
		return time.Duration(1 << 62)
	}
	return time.Duration(float64(time.Since(since)) / c.scale)
}
