package backups

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// Retention is a storage's `prune-backups` as vzdump applies it: after
// every backup, vzdump removes the guest's backups on that storage that no
// keep-* option covers, protected ones excepted (PVE/VZDump.pm
// exec_backup_task, PVE::Storage::prune_backups).
type Retention struct {
	Setting string // "prune-backups keep-last=2", for messages
	KeepAll bool
	Keep    map[string]int // keep-last, keep-hourly, ... with a count above 0
}

// ParseRetention reads a prune-backups value as vzdump applies it.
func ParseRetention(value string) (Retention, error) {
	ret := Retention{Setting: "prune-backups " + value, Keep: map[string]int{}}
	for _, part := range strings.Split(value, ",") {
		key, count, _ := strings.Cut(part, "=")
		n, err := strconv.Atoi(count)
		if err != nil {
			return Retention{}, fmt.Errorf("backup retention %q: %s is not a number", value, part)
		}
		switch {
		case key == "keep-all":
			ret.KeepAll = n == 1
		case n > 0:
			ret.Keep[key] = n
		}
	}
	// Without any keep-* count, prune_mark_backup_group keeps everything.
	ret.KeepAll = ret.KeepAll || len(ret.Keep) == 0
	return ret, nil
}

// Kept is how many backups of one guest the retention keeps for sure when
// they are made one after the other: keep-last of them, and at least one
// when it keeps only by period (backups of one hour or day count once).
func (r Retention) Kept() int {
	if r.KeepAll {
		return -1
	}
	if n := r.Keep["keep-last"]; n > 0 {
		return n
	}
	return 1
}

// RetentionRisk is a storage retention that will delete backups of a
// container that Terraform manages.
type RetentionRisk struct {
	Storage  string
	Setting  string // "prune-backups keep-last=2"
	Kept     int    // backups of the container it keeps for sure
	Existing int    // unprotected backups of the container on the storage now
}

// CheckRetention reports whether backups of a container made on a storage
// will be deleted by the retention vzdump applies there (the storage's
// prune-backups, else /etc/vzdump.conf's): any retention short of keep-all
// does, sooner or later, and a proximity_backup whose archive was pruned
// must be made again. A protected backup is never pruned. When the identity
// may not read the defaults (Datastore.Audit or Datastore.AllocateSpace on
// the storage, which the backup itself needs), there is no risk to report:
// the backup's own checks tell.
func (s *Service) CheckRetention(ctx context.Context, node, storage string, vmid int) (*RetentionRisk, error) {
	defaults, err := s.Client.VzdumpDefaults(ctx, node, storage)
	var api *pveclient.APIError
	if errors.As(err, &api) && api.Status == http.StatusForbidden {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	ret, err := ParseRetention(defaults.PruneBackups)
	if err != nil || ret.KeepAll {
		return nil, err
	}
	vols, err := s.Client.Content(ctx, node, storage, "backup", vmid)
	if err != nil {
		return nil, err
	}
	risk := &RetentionRisk{Storage: storage, Setting: ret.Setting, Kept: ret.Kept()}
	for _, v := range vols {
		if v.Protected == 0 {
			risk.Existing++
		}
	}
	return risk, nil
}

// Storage is where a backup of a container goes: the one asked, else
// DefaultStorageRule's.
func (s *Service) Storage(ctx context.Context, node string, vmid int, asked string) (string, error) {
	if asked != "" {
		return asked, nil
	}
	return s.defaultStorage(ctx, node, vmid)
}
