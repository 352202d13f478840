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
type stepLog struct {
	steps []Step
}

// run times one step and records its outcome.
func (l *stepLog) run(ctx context.Context, name string, fn func() (string, error)) error {
	start := time.Now()
	tflog.Info(ctx, "deployment step started", map[string]any{"step": name})
	msg, err := fn()
	s := Step{Name: name, Status: "ok", Message: msg, StartedAt: start.UTC(), Duration: time.Since(start)}
	if err != nil {
		s.Status, s.Message = "failed", err.Error()
	}
	l.steps = append(l.steps, s)
	tflog.Info(ctx, "deployment step finished",
		map[string]any{"step": name, "status": s.Status, "message": s.Message, "duration_ms": s.Duration.Milliseconds()})
	return err
}
