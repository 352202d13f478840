package deploy

import (
	"fmt"
	"strings"
	"time"
)

// Operations of an application's history, as deployment_log names them.
const (
	OperationCreate   = "create"
	OperationUpdate   = "update"
	OperationRestore  = "restore"
	OperationTakeOver = "take over"
)

// HistoryLimit is how many operations an application's history keeps: the
// oldest goes when a new one would exceed it. A bounded history keeps the
// state small and a plan short; the step log of every run is at INFO too.
const HistoryLimit = 10

// Operation is one entry of an application's history: a create, an update,
// a restore or a take-over, how it ended and the steps it ran.
type Operation struct {
	Name      string
	StartedAt time.Time
	Status    string // ok | failed
	Steps     []Step
}

// NewOperation is the record of an operation that ran steps and ended with
// err. It started when its first step did (an operation that failed before
// any step started now).
func NewOperation(name string, steps []Step, err error) Operation {
	op := Operation{Name: name, StartedAt: time.Now().UTC(), Status: "ok", Steps: steps}
	if len(steps) > 0 {
		op.StartedAt = steps[0].StartedAt
	}
	if err != nil {
		op.Status = "failed"
	}
	return op
}

// HistoryKept is how many of the n operations a history holds stay when
// one is appended: the newest, at most HistoryLimit-1 of them.
func HistoryKept(n int) int {
	return min(n, HistoryLimit-1)
}

// String is the one-line form of a step that deployment_log keeps, so that
// an operation dropped from a full history shows in a plan as one line a
// step: "<step>: <status> in <n> ms[: <message>]". A multi-line message
// (a failing service's log) is folded onto the line; the error diagnostic
// and the INFO log keep it whole.
func (s Step) String() string {
	line := fmt.Sprintf("%s: %s in %d ms", s.Name, s.Status, s.Duration.Milliseconds())
	if msg := strings.Join(strings.Fields(s.Message), " "); msg != "" {
		line += ": " + msg
	}
	return line
}

// GuessOperation names an operation recorded before deployment_log kept
// operations, from its steps: a create starts by looking for an unfinished
// deployment, a take-over by allocating ports, a restore in place restores
// the container; anything else was an update.
func GuessOperation(steps []string) string {
	switch {
	case len(steps) == 0:
		return OperationUpdate
	case steps[0] == stepLookForUnfinished:
		return OperationCreate
	case steps[0] == stepAllocatePorts:
		return OperationTakeOver
	}
	for _, s := range steps {
		if s == stepRestoreContainer {
			return OperationRestore
		}
	}
	return OperationUpdate
}

// Names of the steps GuessOperation knows an operation by.
const (
	stepLookForUnfinished = "look for an unfinished deployment"
	stepAllocatePorts     = "allocate ports"
	stepRestoreContainer  = "restore container"
)
