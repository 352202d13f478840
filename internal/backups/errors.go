package backups

import (
	"errors"
	"fmt"
	"strings"

	"github.com/proximity-project/terraform-provider-proximity/internal/pveclient"
)

// StorageError is a backup that failed because of its storage: vzdump
// accepts any storage name and checks it in its worker (PVE/VZDump.pm new:
// "could not activate storage ...", "could not get storage information for
// ..."), so the call succeeds and the task fails. Err is the task's failure,
// with its last log lines.
type StorageError struct {
	Node, Storage string
	Err           error
}

func (e *StorageError) Error() string {
	return fmt.Sprintf("storage %s cannot take backups on node %s: %v", e.Storage, e.Node, e.Err)
}

func (e *StorageError) Unwrap() error { return e.Err }

// storageLines are how VZDump->new reports a storage it cannot use.
var storageLines = []string{"could not activate storage '", "could not get storage information for '"}

// storageFailure wraps a vzdump failure that its storage caused.
func storageFailure(node, storage string, err error) error {
	var task *pveclient.TaskError
	if !errors.As(err, &task) {
		return err
	}
	for _, line := range append([]string{task.ExitStatus}, task.LogTail...) {
		for _, s := range storageLines {
			if strings.Contains(line, s+storage+"'") {
				return &StorageError{Node: node, Storage: storage, Err: err}
			}
		}
	}
	return err
}
