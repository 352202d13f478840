package deploy

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflog"
)

// Step is one entry of an application's deployment log.
type Step struct {
	Name      string
	Status    string // ok | failed
	Message   string
	StartedAt time.Time
	Duration  time.Duration
}

// stepLog records steps and reports each at INFO, so TF_LOG=info shows progress.
// Every line names the application (hostname, catalog_id and, once the
// container exists, vmid): the creates of one apply run in parallel, and
// their lines interleave.
type stepLog struct {
	steps []Step
	// hostname and catalogID name the application; vmid points at its VMID,
	// read at each line, so the lines after "create container" carry it.
	hostname, catalogID string
	vmid                *int
}

// newStepLog is the log of one operation on the application hostname, of
// catalog app catalogID, whose VMID is (or will be) *vmid.
func newStepLog(hostname, catalogID string, vmid *int) stepLog {
	return stepLog{hostname: hostname, catalogID: catalogID, vmid: vmid}
}

// run times one step and records its outcome.
func (l *stepLog) run(ctx context.Context, name string, fn func() (string, error)) error {
	start := time.Now()
	tflog.Info(ctx, "deployment step started", l.fields(map[string]any{"step": name}))
	msg, err := fn()
	s := Step{Name: name, Status: "ok", Message: msg, StartedAt: start.UTC(), Duration: time.Since(start)}
	if err != nil {
		s.Status, s.Message = "failed", err.Error()
	}
	l.steps = append(l.steps, s)
	tflog.Info(ctx, "deployment step finished",
		l.fields(map[string]any{"step": name, "status": s.Status, "message": s.Message, "duration_ms": s.Duration.Milliseconds()}))
	return err
}

// fields adds the application's names to a line's fields; a VMID not yet
// known is left out rather than logged as 0.
func (l *stepLog) fields(f map[string]any) map[string]any {
	if l.hostname != "" {
		f["hostname"] = l.hostname
	}
	if l.catalogID != "" {
		f["catalog_id"] = l.catalogID
	}
	if l.vmid != nil && *l.vmid != 0 {
		f["vmid"] = *l.vmid
	}
	return f
}
