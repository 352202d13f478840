package pvesim

import (
	"errors"
	"strings"
)

// storageCfgLockID is the pmxcfs lock of storage.cfg: Cluster.pm
// cfs_lock_file names a file's lock "file-<name>" with dots and slashes made
// underscores.
const storageCfgLockID = "file-storage_cfg"

// lockStorageConfig is PVE::Storage::lock_storage_config (pve-storage
// src/PVE/Storage.pm): change runs holding storage.cfg's cluster lock, so a
// writer holding /etc/pve/priv/lock/file-storage_cfg (another node's API, or
// a script over SSH) makes it wait, for at most cfs_lock's 10 s. Every error,
// of the lock or of change, dies as "<errmsg>: <error>", a plain 500.
//
// The caller must not hold s.mu: the lock is waited for in simulated time.
func (s *Simulator) lockStorageConfig(errmsg string, change func() error) *apiError {
	err := s.cfsLock(s.nodes[0].Name, storageCfgLockID, 0, change)
	if err == nil {
		return nil
	}
	var aerr *apiError
	msg := err.Error()
	if errors.As(err, &aerr) {
		msg = aerr.Message
	}
	return fail("%s: %s", errmsg, strings.TrimSuffix(msg, "\n"))
}
