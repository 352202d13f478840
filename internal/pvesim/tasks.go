package pvesim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// task is one PVE worker task: a UPID, a log, a running or stopped status.
type task struct {
	UPID       string
	Node       string
	PID        int
	PStart     int64
	StartTime  int64
	EndTime    int64
	Type       string
	ID         string
	User       string
	Status     string // running | stopped
	ExitStatus string
	Log        []string
	warnings   int
	cancel     context.CancelFunc
	done       chan struct{}
	mu         sync.Mutex
}

// taskCtx is what a task body uses to log and wait in simulated time.
type taskCtx struct {
	context.Context
	sim  *Simulator
	task *task
}

func (t *taskCtx) logf(format string, args ...any) {
	t.task.mu.Lock()
	defer t.task.mu.Unlock()
	t.task.Log = append(t.task.Log, fmt.Sprintf(format, args...))
}

func (t *taskCtx) warnf(format string, args ...any) {
	t.task.mu.Lock()
	t.task.warnings++
	t.task.mu.Unlock()
	t.logf("WARN: "+format, args...)
}

// sleep waits a simulated duration, stretched by any slow-task fault.
func (t *taskCtx) sleep(d time.Duration) error {
	if vmid, err := strconv.Atoi(t.task.ID); err == nil {
		t.sim.stats.countBusy(vmid, d)
	}
	return t.sim.clock.sleep(t, d)
}

// formatUPID writes PVE's task id; a ':' inside the id (a volid) is escaped
// as \x3a, as PVE does, so the UPID still splits into nine fields.
func formatUPID(node string, pid int, pstart, start int64, typ, id, user string) string {
	id = strings.ReplaceAll(id, ":", `\x3a`)
	return fmt.Sprintf("UPID:%s:%08X:%08X:%08X:%s:%s:%s:", node, pid, pstart, start, typ, id, user)
}

// parseUPID splits a UPID; PVE refuses anything else with this message.
func parseUPID(upid string) (*task, error) {
	parts := strings.Split(upid, ":")
	if len(parts) != 9 || parts[0] != "UPID" || parts[8] != "" {
		return nil, fmt.Errorf("unable to parse worker upid '%s'", upid)
	}
	pid, err1 := strconv.ParseInt(parts[2], 16, 64)
	pstart, err2 := strconv.ParseInt(parts[3], 16, 64)
	start, err3 := strconv.ParseInt(parts[4], 16, 64)
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, fmt.Errorf("unable to parse worker upid '%s'", upid)
	}
	return &task{UPID: upid, Node: parts[1], PID: int(pid), PStart: pstart, StartTime: start, Type: parts[5], ID: parts[6], User: parts[7]}, nil
}

// startTask registers a task on a node and runs body asynchronously; the
// body's error becomes the exit status. Bodies consult the task-failure faults
// themselves, at the point where the real task would fail, so that they can
// clean up as PVE does.
func (s *Simulator) startTask(n *node, typ, id, user string, body func(t *taskCtx) error) *task {
	n.pidSeq++
	now := time.Now()
	tk := &task{
		Node: n.Name, PID: 10000 + n.pidSeq, PStart: 1000000 + int64(n.pidSeq)*7,
		StartTime: now.Unix(), Type: typ, ID: id, User: user, Status: "running", done: make(chan struct{}),
	}
	tk.UPID = formatUPID(n.Name, tk.PID, tk.PStart, tk.StartTime, typ, id, user)
	n.Tasks = append(n.Tasks, tk)
	if len(n.Tasks) > maxTasksPerNode {
		n.Tasks = n.Tasks[len(n.Tasks)-maxTasksPerNode:]
	}
	s.stats.countTask(typ)
	ctx, cancel := context.WithCancel(s.ctx)
	tk.cancel = cancel
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		tc := &taskCtx{Context: ctx, sim: s, task: tk}
		if extra := s.faults.taskDelay(typ); extra > 0 {
			_ = tc.sleep(extra)
		}
		err := body(tc)
		if ctx.Err() != nil && err != nil && s.ctx.Err() == nil {
			err = errors.New("received interrupt")
		}
		s.finishTask(tk, err)
	}()
	return tk
}

const maxTasksPerNode = 500

func (s *Simulator) finishTask(tk *task, err error) {
	tk.mu.Lock()
	switch {
	case err != nil:
		tk.ExitStatus = firstLine(err.Error())
		tk.Log = append(tk.Log, "TASK ERROR: "+err.Error())
	case tk.warnings > 0:
		tk.ExitStatus = fmt.Sprintf("WARNINGS: %d", tk.warnings)
		tk.Log = append(tk.Log, "TASK "+tk.ExitStatus)
	default:
		tk.ExitStatus = "OK"
		tk.Log = append(tk.Log, "TASK OK")
	}
	tk.EndTime = time.Now().Unix()
	tk.Status = "stopped"
	tk.mu.Unlock()
	close(tk.done)
	s.persistSoon()
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// statusJSON is the body of GET .../tasks/{upid}/status (no endtime there).
func (tk *task) statusJSON() map[string]any {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	out := map[string]any{
		"upid": tk.UPID, "node": tk.Node, "pid": tk.PID, "pstart": tk.PStart,
		"starttime": tk.StartTime, "type": tk.Type, "id": tk.ID, "user": tk.User, "status": tk.Status,
	}
	if tk.Status == "stopped" {
		out["exitstatus"] = tk.ExitStatus
	}
	return out
}

// listJSON is one item of the task lists, where endtime and a short status appear.
func (tk *task) listJSON() map[string]any {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	out := map[string]any{
		"upid": tk.UPID, "node": tk.Node, "pid": tk.PID, "pstart": tk.PStart,
		"starttime": tk.StartTime, "type": tk.Type, "id": tk.ID, "user": tk.User,
	}
	if tk.Status == "stopped" {
		out["endtime"] = tk.EndTime
		out["status"] = tk.ExitStatus
	}
	return out
}

func (tk *task) logLines() []string {
	tk.mu.Lock()
	defer tk.mu.Unlock()
	return append([]string(nil), tk.Log...)
}
