package deploy

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// commandAttempts bounds the retries of a failing in-container command:
// every command the pipeline runs is safe to repeat (package installs,
// mkdir -p, pct push, compose up -d), and mirrors and registries fail now and then.
const commandAttempts = 5

// inContainer runs argv in the container, retrying a failure a few times,
// and fails with the command's output.
func (d *Service) inContainer(ctx context.Context, node string, vmid int, argv ...string) error {
	return retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, argv...), nil)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("%s exited %d: %s", argv[0], res.ExitCode, strings.TrimSpace(res.Stderr+"\n"+res.Stdout))
		}
		return nil
	})
}

// output runs argv in the container and returns its stdout, retrying failures.
func (d *Service) output(ctx context.Context, node string, vmid int, argv ...string) (string, error) {
	var out string
	err := retryCommand(ctx, func() error {
		res, err := d.Nodes.Run(ctx, node, PctExec(vmid, argv...), nil)
		if err != nil {
			return err
		}
		if res.ExitCode != 0 {
			return fmt.Errorf("%s exited %d: %s", argv[0], res.ExitCode, strings.TrimSpace(res.Stderr+"\n"+res.Stdout))
		}
		out = res.Stdout
		return nil
	})
	return out, err
}

func retryCommand(ctx context.Context, fn func() error) error {
	var err error
	for attempt, delay := 1, 200*time.Millisecond; ; attempt, delay = attempt+1, 2*delay {
		if err = fn(); err == nil || attempt == commandAttempts || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(delay):
		}
	}
}
