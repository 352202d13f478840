package pveclient

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// TaskResult is a finished task.
type TaskResult struct {
	UPID       string
	ExitStatus string
	Warnings   bool
}

// TaskError is a task that ended with an error, with the end of its log.
type TaskError struct {
	UPID       string
	ExitStatus string
	LogTail    []string
}

func (e *TaskError) Error() string {
	msg := fmt.Sprintf("task %s failed: %s", e.UPID, e.ExitStatus)
	if len(e.LogTail) > 0 {
		msg += "\nlast lines of the task log:\n  " + strings.Join(e.LogTail, "\n  ")
	}
	return msg
}

// taskNode reads the node out of a UPID (UPID:<node>:...).
func taskNode(upid string) (string, error) {
	parts := strings.Split(upid, ":")
	if len(parts) < 9 || parts[0] != "UPID" {
		return "", fmt.Errorf("not a task id: %q", upid)
	}
	return parts[1], nil
}

// Poll intervals: start near 100 ms, doubling to at most 1 s.
const (
	pollStart = 100 * time.Millisecond
	pollMax   = time.Second
	// A task PVE just started can take a moment to become visible.
	taskVisibleGrace = 5 * time.Second
)

// WaitTask polls a task until it stops. WARNINGS: N counts as success (the
// warnings are logged); any other exit status is a *TaskError.
func (c *Client) WaitTask(ctx context.Context, upid string) (TaskResult, error) {
	node, err := taskNode(upid)
	if err != nil {
		return TaskResult{}, err
	}
	path := "/nodes/" + node + "/tasks/" + url.PathEscape(upid) + "/status"
	interval := pollStart
	started := time.Now()
	for {
		// No task is done the moment it starts: wait before every poll,
		// the first included.
		select {
		case <-ctx.Done():
			return TaskResult{}, fmt.Errorf("waiting for task %s: %w", upid, ctx.Err())
		case <-time.After(interval):
		}
		interval = min(pollMax, interval*2)
		var st struct {
			Status     string `json:"status"`
			ExitStatus string `json:"exitstatus"`
		}
		err := c.do(ctx, "reading task "+upid, func(ctx context.Context) error {
			return c.api.Get(ctx, path, &st)
		})
		switch {
		case err != nil && time.Since(started) < taskVisibleGrace && KindOf(err) != KindUnauthorized:
			// Not visible yet, or a hiccup: poll again.
		case err != nil:
			return TaskResult{}, err
		case st.Status == "stopped":
			return c.taskOutcome(ctx, node, upid, st.ExitStatus)
		}
	}
}

func (c *Client) taskOutcome(ctx context.Context, node, upid, exit string) (TaskResult, error) {
	switch {
	case exit == "OK":
		return TaskResult{UPID: upid, ExitStatus: exit}, nil
	case strings.HasPrefix(exit, "WARNINGS"):
		tflog.Warn(ctx, "Proxmox task finished with warnings", map[string]any{"upid": upid, "exit_status": exit, "log": c.taskLogTail(ctx, node, upid, 10)})
		return TaskResult{UPID: upid, ExitStatus: exit, Warnings: true}, nil
	}
	return TaskResult{}, &TaskError{UPID: upid, ExitStatus: exit, LogTail: c.taskLogTail(ctx, node, upid, 8)}
}

// taskLogTail returns the last lines of a task's log, best effort.
func (c *Client) taskLogTail(ctx context.Context, node, upid string, n int) []string {
	var lines []struct {
		N int    `json:"n"`
		T string `json:"t"`
	}
	path := "/nodes/" + node + "/tasks/" + url.PathEscape(upid) + "/log?limit=1000"
	if err := c.do(ctx, "reading the log of task "+upid, func(ctx context.Context) error {
		return c.api.Get(ctx, path, &lines)
	}); err != nil {
		return nil
	}
	out := make([]string, 0, n)
	for i := max(0, len(lines)-n); i < len(lines); i++ {
		out = append(out, lines[i].T)
	}
	return out
}
