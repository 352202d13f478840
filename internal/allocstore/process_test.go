package allocstore

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"

	"github.com/proximity-project/terraform-provider-proximity/internal/nodeshell"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim"
	"github.com/proximity-project/terraform-provider-proximity/internal/pvesim/pvesimtest"
)

// Wide ranges so that many processes can allocate without exhausting them.
var (
	widePublic   = Range{10000, 14999}
	wideInternal = Range{20000, 24999}
)

// TestMain lets the test binary act as a worker process: real OS processes,
// not goroutines, compete for the allocation file.
func TestMain(m *testing.M) {
	switch os.Getenv("ALLOCSTORE_WORKER") {
	case "":
		os.Exit(m.Run())
	case "hold":
		lock := flock.New(os.Getenv("ALLOCSTORE_PATH") + ".lock")
		if err := lock.Lock(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Hour)
	default:
		os.Exit(runWorker())
	}
}

func runWorker() int {
	n, _ := strconv.Atoi(os.Getenv("ALLOCSTORE_N"))
	var store Store = &LocalStore{Path: os.Getenv("ALLOCSTORE_PATH")}
	if os.Getenv("ALLOCSTORE_WORKER") == "host" {
		node := os.Getenv("ALLOCSTORE_NODE")
		r, err := nodeshell.New(nodeshell.Config{PrivateKey: os.Getenv("ALLOCSTORE_KEY"), HostKey: os.Getenv("ALLOCSTORE_HOSTKEY"),
			Nodes: map[string]string{node: os.Getenv("ALLOCSTORE_ADDR")}})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer r.Close()
		store = &HostStore{Runner: r, Nodes: func(context.Context) ([]string, error) { return []string{node}, nil }}
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for i := 0; i < n; i++ {
		var a Allocation
		err := store.Update(context.Background(), func(t *Table) error {
			var err error
			a, err = t.Allocate(Request{Owner: fmt.Sprintf("pid %d #%d", os.Getpid(), i), Public: widePublic, Internal: wideInternal})
			return err
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Fprintf(out, "%d %d\n", a.PublicPort, a.InternalPort)
	}
	return 0
}

func worker(t testing.TB, env ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), env...)
	return cmd
}

// runWorkers starts the processes at once and returns every pair they got.
func runWorkers(t testing.TB, cmds []*exec.Cmd) [][2]int {
	t.Helper()
	outs := make([]*strings.Builder, len(cmds))
	for i, c := range cmds {
		outs[i] = &strings.Builder{}
		c.Stdout = outs[i]
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	for i, c := range cmds {
		if err := c.Wait(); err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
	}
	var pairs [][2]int
	for _, o := range outs {
		for _, line := range strings.Fields(strings.ReplaceAll(o.String(), " ", ",")) {
			var p, q int
			if _, err := fmt.Sscanf(line, "%d,%d", &p, &q); err != nil {
				t.Fatalf("worker output %q is not a pair: %v", line, err)
			}
			pairs = append(pairs, [2]int{p, q})
		}
	}
	return pairs
}

func assertDistinct(t testing.TB, pairs [][2]int, want int) {
	t.Helper()
	if len(pairs) != want {
		t.Fatalf("%d pairs, want %d", len(pairs), want)
	}
	seenPub, seenIn := map[int]bool{}, map[int]bool{}
	for _, p := range pairs {
		if seenPub[p[0]] || seenIn[p[1]] {
			t.Fatalf("duplicate pair member %v", p)
		}
		seenPub[p[0]], seenIn[p[1]] = true, true
	}
}

func TestLocalStoreEightProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "allocations.json")
	var cmds []*exec.Cmd
	for i := 0; i < 8; i++ {
		cmds = append(cmds, worker(t, "ALLOCSTORE_WORKER=local", "ALLOCSTORE_PATH="+path, "ALLOCSTORE_N=200"))
	}
	assertDistinct(t, runWorkers(t, cmds), 1600)
	var count int
	if err := (&LocalStore{Path: path}).Update(context.Background(), func(tb *Table) error { count = len(tb.Allocations); return nil }); err != nil {
		t.Fatal(err)
	}
	if count != 1600 {
		t.Errorf("the file holds %d allocations, want 1600", count)
	}
}

func TestLocalLockOfAKilledProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "allocations.json")
	holder := worker(t, "ALLOCSTORE_WORKER=hold", "ALLOCSTORE_PATH="+path)
	stdout, _ := holder.StdoutPipe()
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(stdout).ReadString('\n')
	if line != "locked\n" {
		t.Fatalf("holder said %q", line)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := (&LocalStore{Path: path}).Update(ctx, func(*Table) error { return nil }); err == nil {
		t.Fatal("got the lock while another process held it")
	}
	if err := holder.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = holder.Wait()
	start := time.Now()
	s := &LocalStore{Path: path}
	if a := allocate(t, s, Request{Public: pub, Internal: in}); a.PublicPort != 8100 {
		t.Errorf("after the kill: %+v", a)
	}
	if time.Since(start) > time.Second {
		t.Errorf("took %v after the holder died", time.Since(start))
	}
}

func startSim(t testing.TB, lockLifetime time.Duration) *pvesim.Simulator {
	t.Helper()
	return pvesimtest.Start(t, pvesim.Options{TimeScale: 0.2, LockLifetime: lockLifetime})
}

func hostWorkers(sim *pvesim.Simulator, t testing.TB, processes, n int) []*exec.Cmd {
	info := sim.Info()
	var cmds []*exec.Cmd
	for i := 0; i < processes; i++ {
		node := info.Nodes[i%len(info.Nodes)]
		cmds = append(cmds, worker(t, "ALLOCSTORE_WORKER=host", "ALLOCSTORE_N="+strconv.Itoa(n), "ALLOCSTORE_NODE="+node,
			"ALLOCSTORE_ADDR="+info.SSHNodes[node], "ALLOCSTORE_KEY="+info.SSHPrivateKey, "ALLOCSTORE_HOSTKEY="+info.SSHHostKey))
	}
	return cmds
}

func TestHostStoreProcessesThroughDifferentNodes(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	assertDistinct(t, runWorkers(t, hostWorkers(sim, t, 6, 20)), 120)
	var out strings.Builder
	if code, err := sim.RunOnNode(context.Background(), "pve2", "cat "+HostFile, nil, &out, &out); err != nil || code != 0 {
		t.Fatalf("reading the file on pve2: %d %v %s", code, err, out.String())
	}
	if n := strings.Count(out.String(), `"public_port"`); n != 120 {
		t.Errorf("the cluster file holds %d allocations", n)
	}
	var lockCheck strings.Builder
	runOnNode(t, sim, "pve3", "test -e "+HostLock+" && echo held || echo free", &lockCheck)
	if lockCheck.String() != "free\n" {
		t.Errorf("the lock was left %s", lockCheck.String())
	}
}

// runOnNode runs script on the simulated node, its output and errors to out;
// the exit status is the script's to show in out.
func runOnNode(t testing.TB, sim *pvesim.Simulator, node, script string, out io.Writer) {
	t.Helper()
	if _, err := sim.RunOnNode(context.Background(), node, script, nil, out, out); err != nil {
		t.Fatal(err)
	}
}

func hostStore(t testing.TB, sim *pvesim.Simulator, node string) *HostStore {
	t.Helper()
	info := sim.Info()
	r, err := nodeshell.New(nodeshell.Config{PrivateKey: info.SSHPrivateKey, HostKey: info.SSHHostKey, Nodes: info.SSHNodes})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return &HostStore{Runner: r, Nodes: func(context.Context) ([]string, error) { return []string{node}, nil }}
}

// TestHostLockOfADeadHolder: a lock left by a holder that died is cleared by
// the next allocation once pmxcfs's lock lifetime has passed.
func TestHostLockOfADeadHolder(t *testing.T) {
	const lifetime = 1500 * time.Millisecond
	sim := startSim(t, lifetime)
	var out strings.Builder
	if code, _ := sim.RunOnNode(context.Background(), "pve1", "mkdir "+HostLock, nil, &out, &out); code != 0 {
		t.Fatalf("taking the lock: %s", out.String())
	}
	start := time.Now()
	a := allocate(t, hostStore(t, sim, "pve2"), Request{Public: pub, Internal: in})
	if a.PublicPort != 8100 {
		t.Errorf("pair %+v", a)
	}
	if waited := time.Since(start); waited < lifetime-100*time.Millisecond {
		t.Errorf("the live lock was broken after %v", waited)
	}
}

func TestHostCorruptFile(t *testing.T) {
	sim := startSim(t, 120*time.Second)
	var out strings.Builder
	runOnNode(t, sim, "pve1", "mkdir -p /etc/pve/proximity && echo 'not json' > "+HostFile, &out)
	err := hostStore(t, sim, "pve3").Update(context.Background(), func(tb *Table) error {
		_, err := tb.Allocate(Request{Public: pub, Internal: in})
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "is unreadable") || !strings.Contains(err.Error(), "via pve3") {
		t.Fatalf("got %v", err)
	}
	out.Reset()
	runOnNode(t, sim, "pve1", "cat "+HostFile+"; test -e "+HostLock+" && echo held", &out)
	if out.String() != "not json\n" {
		t.Errorf("after the failed update: %q", out.String())
	}
}

// BenchmarkLocalAllocate: allocations per second in one process (goal: at least 1,000).
func BenchmarkLocalAllocate(b *testing.B) {
	s := &LocalStore{Path: filepath.Join(b.TempDir(), "a.json")}
	big := Range{1, 60000}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Update(context.Background(), func(tb *Table) error {
			if len(tb.Allocations) > 100 { // keep the file at a homelab's size
				tb.Allocations = tb.Allocations[:0]
			}
			_, err := tb.Allocate(Request{Public: big, Internal: big})
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocs/s")
}

// BenchmarkLocalAllocateParallel: allocations per second in one process
// when changes come from ten goroutines at once, as from a Terraform apply
// at its default parallelism, sharing writes through GroupCommit.
func BenchmarkLocalAllocateParallel(b *testing.B) {
	benchParallel(b, &GroupCommit{Store: &LocalStore{Path: filepath.Join(b.TempDir(), "a.json")}})
}

// BenchmarkHostAllocateParallel: the same through SSH and the cluster lock.
func BenchmarkHostAllocateParallel(b *testing.B) {
	sim := startSim(b, 120*time.Second)
	benchParallel(b, &GroupCommit{Store: hostStore(b, sim, "pve1")})
}

func benchParallel(b *testing.B, s Store) {
	big := Range{1, 60000}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for w := 0; w < 10; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := s.Update(context.Background(), func(tb *Table) error {
					if len(tb.Allocations) > 100 { // keep the file at a homelab's size
						tb.Allocations = tb.Allocations[:0]
					}
					_, err := tb.Allocate(Request{Public: big, Internal: big})
					return err
				}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocs/s")
}

// BenchmarkLocalAllocate8Processes: 8 processes at once against one file.
func BenchmarkLocalAllocate8Processes(b *testing.B) {
	path := filepath.Join(b.TempDir(), "a.json")
	per := max(1, b.N/8)
	var cmds []*exec.Cmd
	for i := 0; i < 8; i++ {
		cmds = append(cmds, worker(b, "ALLOCSTORE_WORKER=local", "ALLOCSTORE_PATH="+path, "ALLOCSTORE_N="+strconv.Itoa(min(per, 600))))
	}
	b.ResetTimer()
	start := time.Now()
	pairs := runWorkers(b, cmds)
	b.ReportMetric(float64(len(pairs))/time.Since(start).Seconds(), "allocs/s")
}

// BenchmarkHostAllocate: allocations per second through SSH and the cluster lock.
func BenchmarkHostAllocate(b *testing.B) {
	sim := startSim(b, 120*time.Second)
	s := hostStore(b, sim, "pve1")
	big := Range{1, 60000}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if err := s.Update(context.Background(), func(tb *Table) error {
			_, err := tb.Allocate(Request{Public: big, Internal: big})
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "allocs/s")
}

// BenchmarkHostAllocate8Processes: 8 processes through three nodes at once.
func BenchmarkHostAllocate8Processes(b *testing.B) {
	sim := startSim(b, 120*time.Second)
	cmds := hostWorkers(sim, b, 8, min(max(1, b.N/8), 50))
	b.ResetTimer()
	start := time.Now()
	pairs := runWorkers(b, cmds)
	b.ReportMetric(float64(len(pairs))/time.Since(start).Seconds(), "allocs/s")
}
