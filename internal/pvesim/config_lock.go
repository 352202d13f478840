package pvesim

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"
)

// PVE serialises every change of a container's config on its node with
// PVE::LXC::Config->lock_config (pve-guest-common src/PVE/AbstractConfig.pm
// lock_config -> lock_config_full($vmid, 10, ...) -> PVE::Tools::lock_file_full):
// an flock(2) on /run/lock/lxc/pve-config-<vmid>.lock of the node the API
// call runs on (pve-container src/PVE/LXC/Config.pm config_file_lock). It is
// not the 'lock:' property of the config, which is persistent and
// cluster-wide; this one lives only while a process holds the file open.
// When a handler forks its worker inside lock_config (API2/LXC.pm template),
// the worker inherits the descriptor and the lock stays held until the
// worker ends. The simulator keeps these locks in the node's flock table, so
// a script holding the file with flock(1) on the node blocks the API exactly
// as it does on PVE.

// configLockTimeout is lock_config's wait; createLockTimeout is
// create_and_lock_config's (lock_config_full($vmid, 5, ...)). Both are
// simulated time, scaled as the network lock's 10 s is.
const (
	configLockTimeout = 10 * time.Second
	createLockTimeout = 5 * time.Second
)

// configLockPath is PVE::LXC::Config->config_file_lock.
func configLockPath(vmid int) string {
	return "/run/lock/lxc/pve-config-" + strconv.Itoa(vmid) + ".lock"
}

// lockGuestConfig takes the config lock of vmid on the named node, waiting
// at most timeout (simulated). lock_file_full opens the file with '>>', so it
// exists afterwards. A wait that runs out fails with lock_file's message,
// which every caller of lock_config dies with. The caller must not hold s.mu:
// the holder may be a task that needs s.mu to finish. The returned release
// may be called more than once.
func (s *Simulator) lockGuestConfig(ctx context.Context, nodeName string, vmid int, timeout time.Duration) (func(), *apiError) {
	n := s.nodeByName(nodeName)
	if n == nil {
		return func() {}, nil
	}
	p := configLockPath(vmid)
	if _, err := n.FS.Stat(p); err != nil {
		_ = n.FS.WriteFile(p, nil, 0o644)
	}
	release, ok := n.flocks.Acquire(ctx, p, s.clock.lockWait(timeout))
	if !ok {
		return func() {}, fail("can't lock file '%s' - got timeout", p)
	}
	var once sync.Once
	return func() { once.Do(release) }, nil
}

// lockConfigInTask is lock_config called inside a worker: as lock_file_full,
// a lock that is not free at once prints "trying to acquire lock..." to the
// task log and " OK" once it is had; a wait that runs out fails the task
// with lock_file's message.
func (t *taskCtx) lockConfig(nodeName string, vmid int) (func(), error) {
	s := t.sim
	if release, aerr := s.lockGuestConfig(t, nodeName, vmid, 0); aerr == nil {
		return release, nil
	}
	t.logf("trying to acquire lock...")
	release, aerr := s.lockGuestConfig(t, nodeName, vmid, configLockTimeout)
	if aerr != nil {
		// A task's exit status is the bare message, without an HTTP status.
		return release, errors.New(aerr.Message)
	}
	t.appendToLastLine(" OK")
	return release, nil
}

// appendToLastLine continues the task log's last line, as a print without a
// newline followed by another print does in a real task log.
func (t *taskCtx) appendToLastLine(text string) {
	t.task.mu.Lock()
	defer t.task.mu.Unlock()
	if len(t.task.Log) == 0 {
		t.task.Log = append(t.task.Log, text)
		return
	}
	t.task.Log[len(t.task.Log)-1] += text
}

// lockGuestConfigs takes the config locks of several guests in the order
// given (a clone locks its source before its new VMID, as clone_vm does),
// releasing what it took when one cannot be had. A VMID given twice is locked
// once, as lock_file_full nests a lock the process already holds.
func (s *Simulator) lockGuestConfigs(ctx context.Context, nodeName string, locks ...guestLockSpec) (func(), *apiError) {
	var releases []func()
	releaseAll := func() {
		for i := len(releases) - 1; i >= 0; i-- {
			releases[i]()
		}
	}
	held := map[int]bool{}
	for _, l := range locks {
		if held[l.vmid] {
			continue
		}
		release, aerr := s.lockGuestConfig(ctx, nodeName, l.vmid, l.timeout)
		if aerr != nil {
			releaseAll()
			return func() {}, aerr
		}
		held[l.vmid] = true
		releases = append(releases, release)
	}
	var once sync.Once
	return func() { once.Do(releaseAll) }, nil
}

// guestLockSpec is one config lock to take and how long to wait for it.
type guestLockSpec struct {
	vmid    int
	timeout time.Duration
}
