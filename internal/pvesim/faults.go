package pvesim

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Fault kinds, as written in a -faults spec.
const (
	faultStatus500 = "500"
	faultStatus595 = "595"
	faultStatus596 = "596"
	faultLock      = "lock"     // 500 can't lock file ... got timeout
	faultLocked    = "locked"   // 500 CT is locked (<reason>)
	faultDrop      = "drop"     // connection closed without an answer
	faultLost      = "lost"     // the request takes effect, then the connection closes without the answer
	faultLatency   = "latency"  // extra simulated delay before answering
	faultTaskFail  = "taskfail" // the task ends with TASK ERROR
	faultTaskSlow  = "taskslow" // the task takes longer
	faultExec      = "exec"     // an in-container command fails
)

var faultKinds = map[string]bool{
	faultStatus500: true, faultStatus595: true, faultStatus596: true, faultLock: true, faultLocked: true,
	faultDrop: true, faultLost: true, faultLatency: true, faultTaskFail: true, faultTaskSlow: true, faultExec: true,
}

// FaultSpecHelp documents the -faults syntax for the command's usage text.
const FaultSpecHelp = `rules separated by ';', each KIND:TARGET=VALUE[xCOUNT][|MESSAGE]
  KIND 500|595|596|lock|locked|drop|lost|latency: TARGET is "METHOD /path/glob" ({param} or * per segment)
  KIND taskfail|taskslow: TARGET is a task type (vzcreate, vzdump, vzstart, ... or *)
  KIND exec: TARGET is an in-container command (docker, apk, ...)
  VALUE is a probability 0..1, or a duration for latency and taskslow; xCOUNT limits how often it fires
  example: 595:GET /cluster/resources=0.2;taskfail:vzcreate=1x1;latency:* /nodes/*/lxc=50ms`

type faultRule struct {
	Kind      string
	Method    string
	Target    string
	Prob      float64
	Delay     time.Duration
	Remaining int // -1: unlimited
	Message   string
}

// faults holds the active rules and a seeded random source, so a run with the
// same seed and the same request order injects the same faults.
type faults struct {
	mu    sync.Mutex
	rules []*faultRule
	rng   *rand.Rand
	spec  string
}

func newFaults(seed int64) *faults {
	return &faults{rng: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15))}
}

var paramSegment = regexp.MustCompile(`\{[^}/]+\}`)

// ParseFaults checks a spec; it is what the command calls to reject bad flags.
func ParseFaults(spec string) ([]*faultRule, error) {
	var rules []*faultRule
	for _, raw := range strings.Split(spec, ";") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		r, err := parseFaultRule(raw)
		if err != nil {
			return nil, fmt.Errorf("fault rule %q: %w", raw, err)
		}
		rules = append(rules, r)
	}
	return rules, nil
}

func parseFaultRule(raw string) (*faultRule, error) {
	r := &faultRule{Remaining: -1}
	body, msg, _ := strings.Cut(raw, "|")
	r.Message = msg
	lhs, value, ok := strings.Cut(body, "=")
	if !ok {
		return nil, errors.New("missing '=VALUE'")
	}
	kind, target, ok := strings.Cut(lhs, ":")
	if !ok || target == "" {
		return nil, errors.New("expected KIND:TARGET before '='")
	}
	if !faultKinds[kind] {
		return nil, fmt.Errorf("unknown kind %q (want 500, 595, 596, lock, locked, drop, lost, latency, taskfail, taskslow or exec)", kind)
	}
	r.Kind = kind
	if kind == faultTaskFail || kind == faultTaskSlow || kind == faultExec {
		r.Target = target
	} else {
		method, p, ok := strings.Cut(target, " ")
		if !ok || !strings.HasPrefix(p, "/") {
			return nil, errors.New(`target must be "METHOD /path", for example "GET /cluster/resources"`)
		}
		r.Method = strings.ToUpper(method)
		r.Target = paramSegment.ReplaceAllString(p, "*")
		if _, err := path.Match(r.Target, "/"); err != nil {
			return nil, fmt.Errorf("bad path pattern: %w", err)
		}
	}
	if v, count, ok := strings.Cut(value, "x"); ok {
		n, err := strconv.Atoi(count)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("count %q must be a positive integer", count)
		}
		r.Remaining, value = n, v
	}
	if kind == faultLatency || kind == faultTaskSlow {
		d, err := time.ParseDuration(value)
		if err != nil || d < 0 {
			return nil, fmt.Errorf("value %q must be a duration such as 50ms or 2s", value)
		}
		r.Delay, r.Prob = d, 1
		return r, nil
	}
	p, err := strconv.ParseFloat(value, 64)
	if err != nil || p < 0 || p > 1 {
		return nil, fmt.Errorf("value %q must be a probability between 0 and 1", value)
	}
	r.Prob = p
	return r, nil
}

// set replaces the active rules.
func (f *faults) set(spec string) error {
	rules, err := ParseFaults(spec)
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rules, f.spec = rules, spec
	return nil
}

func (f *faults) current() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.spec
}

// fire reports whether a matching rule triggers now, consuming its count.
func (f *faults) fire(match func(r *faultRule) bool) *faultRule {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.rules {
		if r.Remaining == 0 || !match(r) {
			continue
		}
		if r.Prob < 1 && f.rng.Float64() >= r.Prob {
			continue
		}
		if r.Remaining > 0 {
			r.Remaining--
		}
		return r
	}
	return nil
}

func matchesRequest(r *faultRule, method, p string) bool {
	if r.Method != "*" && r.Method != method {
		return false
	}
	ok, _ := path.Match(r.Target, p)
	return ok
}

// request returns the extra delay and the HTTP fault to apply to a request;
// latency rules add up and never stop other faults.
func (f *faults) request(method, p string) (time.Duration, *faultRule) {
	var delay time.Duration
	f.mu.Lock()
	for _, r := range f.rules {
		if r.Kind == faultLatency && r.Remaining != 0 && matchesRequest(r, method, p) {
			delay += r.Delay
			if r.Remaining > 0 {
				r.Remaining--
			}
		}
	}
	f.mu.Unlock()
	rule := f.fire(func(r *faultRule) bool {
		return r.Kind != faultLatency && r.Method != "" && matchesRequest(r, method, p)
	})
	return delay, rule
}

func (f *faults) taskFailure(typ string) error {
	r := f.fire(func(r *faultRule) bool {
		return r.Kind == faultTaskFail && (r.Target == "*" || r.Target == typ)
	})
	if r == nil {
		return nil
	}
	if r.Message != "" {
		return errors.New(r.Message)
	}
	return errors.New("simulated task failure (fault injection)")
}

func (f *faults) taskDelay(typ string) time.Duration {
	r := f.fire(func(r *faultRule) bool {
		return r.Kind == faultTaskSlow && (r.Target == "*" || r.Target == typ)
	})
	if r == nil {
		return 0
	}
	return r.Delay
}

// execFailure returns the rule that makes an in-container command fail.
func (f *faults) execFailure(command string) *faultRule {
	return f.fire(func(r *faultRule) bool {
		return r.Kind == faultExec && (r.Target == "*" || r.Target == command)
	})
}
