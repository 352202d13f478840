package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// BenchmarkApply20 applies 20 applications at -parallelism=10 on the
// simulator at its default durations, and reports the wall time divided by
// the ideal (goal: at most 1.25), the provider process's peak memory, and
// the API requests per application of the refreshes that follow. The ideal
// is the makespan of the apps' simulated busy time (tasks on them and
// commands in them, their critical path) on 10 parallel slots. Run it with
// -benchtime=1x: it takes about a minute.
func BenchmarkApply20(b *testing.B) {
	for n := 0; n < b.N; n++ {
		sim := pvesimtest.Start(b, pvesim.Options{TimeScale: 1})
		c := newCLI(b, sim, `
resource "proximity_application" "app" {
  count      = 20
  catalog_id = "nginx"
  hostname   = "app${count.index}"
}
`)
		peak := watchPeakMemory(b, providerBin)
		start := time.Now()
		c.must("apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=10")
		wall := time.Since(start)
		peakKB := peak()

		var busy []float64
		for _, seconds := range sim.Stats().GuestBusy {
			busy = append(busy, seconds)
		}
		if len(busy) != 20 {
			b.Fatalf("%d guests were busy, want 20", len(busy))
		}
		ideal := makespan(busy, 10)

		sim.ResetStats()
		c.planIsEmpty()
		first := requests(sim)
		sim.ResetStats()
		c.planIsEmpty()
		steady := requests(sim)

		b.ReportMetric(wall.Seconds(), "wall-s")
		b.ReportMetric(ideal, "ideal-s")
		b.ReportMetric(wall.Seconds()/ideal, "wall/ideal")
		b.ReportMetric(float64(peakKB)/1024, "provider-peak-MB")
		b.ReportMetric(float64(first)/20, "first-refresh-requests/app")
		b.ReportMetric(float64(steady)/20, "refresh-requests/app")
	}
}

// makespan is the length of the greedy schedule (longest first) of jobs on
// slots parallel workers.
func makespan(jobs []float64, slots int) float64 {
	jobs = slices.Clone(jobs)
	slices.Sort(jobs)
	slices.Reverse(jobs)
	load := make([]float64, slots)
	for _, j := range jobs {
		least := slices.Index(load, slices.Min(load))
		load[least] += j
	}
	return slices.Max(load)
}

func requests(sim *pvesim.Simulator) int {
	n := 0
	for _, c := range sim.Stats().Requests {
		n += c
	}
	return n
}

// watchPeakMemory samples the peak resident set (VmHWM) of every process
// running binary until the returned function is called, which returns the
// largest, in kB.
func watchPeakMemory(b *testing.B, binary string) func() int {
	var mu sync.Mutex
	peak := 0
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			for _, kb := range residentPeaks(binary) {
				mu.Lock()
				peak = max(peak, kb)
				mu.Unlock()
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() int {
		close(done)
		wg.Wait()
		if peak == 0 {
			b.Fatal("the provider process was never seen")
		}
		return peak
	}
}

func residentPeaks(binary string) []int {
	var out []int
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		if exe, err := os.Readlink(p + "/exe"); err != nil || exe != binary {
			continue
		}
		status, err := os.ReadFile(p + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
				out = append(out, kb)
			}
		}
	}
	return out
}
