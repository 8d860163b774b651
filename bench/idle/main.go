// Command idle measures what a multithreaded BLAS's worker threads cost
// while the program makes no call, per real library build, each in child
// processes of its own, in four modes:
//
//   - default: the library as it loads;
//   - env: under the load-time variables of blasctl exec -idle sleep
//     (OMP_WAIT_POLICY=passive, KMP_BLOCKTIME=0, GOMP_SPINCOUNT=0,
//     OPENBLAS_THREAD_TIMEOUT=4);
//   - scoped: every call in blasctl.WithFairShare (one caller: every CPU,
//     the default count), the policy left at IdleDefault: what the scope
//     itself costs;
//   - api: as scoped, under blasctl.SetIdlePolicy(blasctl.IdleSleep), and
//     blasctl.ParkWorkers after a call that a pause follows.
//
// For each it measures, at the library's default thread count (BLIS, whose
// default is 1 thread, at the CPU count):
//
//   - the CPU the process uses in the 100 ms after one 384x384 dgemm;
//   - how long a worker keeps spinning after it: sampled in 10 ms slices up
//     to 500 ms, the share of each slice that the busiest thread the library
//     started was running or waiting for a CPU (schedstat), which a spinning
//     worker is all the time however busy the machine, while the CPU it
//     gets falls with the load; a slice above half counts as spinning;
//   - the latency of a 384x384 dgemm back to back, and after a pause of 1,
//     10 and 100 ms (the cost of waking the workers): the best of 15 calls,
//     as other processes only add to a call's time;
//   - back-to-back throughput at n = 64, 256 and 1024: the best of 8
//     windows (at least 3 calls each), for the same reason.
//
// Each child is one build in one mode; rounds take every build and mode
// once, in a rotating order, and each cell is the median over rounds.
//
//	go -C bench run ./idle                      # the table, 3 rounds (about 6 minutes)
//	go -C bench run ./idle -svg idle.svg        # and a chart
//	go -C bench run ./idle -quick               # a few seconds: a smoke run
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/ebitengine/purego"
)

// idleVars are the variables blasctl exec -idle sleep sets (cmd/blasctl's
// exec_idle.go holds their reasons).
var idleVars = []string{"OMP_WAIT_POLICY=passive", "KMP_BLOCKTIME=0", "GOMP_SPINCOUNT=0", "OPENBLAS_THREAD_TIMEOUT=4"}

// childEnv carries a child's spec (JSON); a process without it is the parent.
const childEnv = "BLASCTL_IDLE_CHILD"

var modes = []string{"default", "env", "scoped", "api"}

// spec is what one child measures.
type spec struct {
	Build string `json:"build"`
	Mode  string `json:"mode"`
	Quick bool   `json:"quick"`
	// Base is the pair mode's other side: "default" (unscoped calls) or
	// "scoped" (WithFairShare under IdleDefault).
	Base string `json:"base,omitempty"`
}

// result is what one child reports.
type result struct {
	Threads int       `json:"threads"`
	CPU100  float64   `json:"cpu100"`  // % of a core in the 100 ms after a call
	Run100  float64   `json:"run100"`  // % of the 100 ms the busiest library thread was runnable
	SpinMS  float64   `json:"spin_ms"` // end of the last slice above spinning
	Trace   []float64 `json:"trace"`   // % of a core per 10 ms slice after a call
	Runs    []float64 `json:"runs"`    // % of each slice the busiest library thread was runnable
	BaseUS  float64   `json:"base_us"` // 384 dgemm, back to back
	PauseUS []float64 `json:"pause_us"`
	GFLOPS  []float64 `json:"gflops"`
	// Pair is the pair mode's GFLOPS per size: the default's, then the
	// policy's, from windows that alternate in one process.
	Pair [][2]float64 `json:"pair"`
}

var (
	pauses = []time.Duration{time.Millisecond, 10 * time.Millisecond, 100 * time.Millisecond}
	sizes  = []int{64, 256, 1024}
)

const (
	callN = 384
	slice = 10 * time.Millisecond
	// quickHorizon is how long -quick samples the CPU after a call.
	quickHorizon = 150 * time.Millisecond
	spinning     = 50.0 // % of a slice runnable
)

func main() {
	if v, ok := os.LookupEnv(childEnv); ok {
		childMain(v)
		return
	}
	buildsFlag := flag.String("builds", "openblas-pthread,openblas-openmp,mkl,blis-openmp,blis-pthread,openblas-serial",
		"library builds (internal/libtest.Builds names)")
	modesFlag := flag.String("modes", strings.Join(modes, ","), "modes: default, env, scoped, api")
	pair := flag.Bool("pair", false, "throughput only: default and api windows alternating in one process per build")
	pairBase := flag.String("pair-base", "default", "the pair mode's other side: default (unscoped) or scoped (WithFairShare, IdleDefault)")
	rounds := flag.Int("rounds", 3, "rounds (each cell reports its median)")
	quick := flag.Bool("quick", false, "a smoke run of a few seconds: one round, fewer and shorter samples")
	svg := flag.String("svg", "", "write a chart to this SVG file")
	flag.Parse()
	if *quick {
		*rounds = 1
	}
	builds := strings.Split(*buildsFlag, ",")
	ms := strings.Split(*modesFlag, ",")
	if *pair {
		ms = []string{"pair"}
		if *pairBase != "default" && *pairBase != "scoped" {
			fatal("-pair-base %q: want default or scoped", *pairBase)
		}
	}
	for _, m := range ms {
		if !*pair && !slices.Contains(modes, m) {
			fatal("unknown mode %q", m)
		}
	}
	for _, b := range builds {
		if _, err := build(b); err != nil {
			fatal("%v", err)
		}
	}
	if *svg != "" && !strings.HasSuffix(*svg, ".svg") {
		fatal("-svg %s: want a .svg file", *svg)
	}
	fmt.Printf("%d CPUs; load average %s; %d round(s)%s\n\n", runtime.NumCPU(), loadavg(), *rounds,
		map[bool]string{true: " (quick)"}[*quick])

	runs := map[[2]string][]result{}
	for round := range *rounds {
		for bi, b := range builds {
			for j := range ms {
				m := ms[(round+bi+j)%len(ms)]
				fmt.Fprintf(os.Stderr, "round %d: %s, %s\n", round+1, b, m)
				r, err := run(spec{Build: b, Mode: m, Quick: *quick, Base: *pairBase})
				if err != nil {
					fatal("%s, %s: %v", b, m, err)
				}
				runs[[2]string{b, m}] = append(runs[[2]string{b, m}], r)
			}
		}
	}
	if *pair {
		printPairs(builds, runs, *pairBase)
		return
	}
	var rows []row
	for _, b := range builds {
		for _, m := range ms {
			rows = append(rows, row{build: b, mode: m, r: medianResult(runs[[2]string{b, m}])})
		}
	}
	printTable(rows)
	fmt.Printf("\nload average after: %s\n", loadavg())
	if *svg != "" {
		if err := os.WriteFile(*svg, []byte(chart(rows)), 0o644); err != nil {
			fatal("%v", err)
		}
	}
}

type row struct {
	build, mode string
	r           result
}

// build returns the libtest row named name.
func build(name string) (libtest.Build, error) {
	for _, b := range libtest.Builds {
		if b.Name == name {
			return b, b.Check()
		}
	}
	return libtest.Build{}, fmt.Errorf("unknown build %q", name)
}

// run measures s in a child process: this program again, with the build's
// environment and the mode's.
func run(s spec) (result, error) {
	b, _ := build(s.Build)
	encoded, _ := json.Marshal(s)
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(append(os.Environ(), childEnv+"="+string(encoded)), b.Env...)
	if b.InternalAPI == "blis" {
		// BLIS runs one thread unless told; the others default to the CPU count.
		cmd.Env = append(cmd.Env, fmt.Sprintf("BLIS_NUM_THREADS=%d", runtime.NumCPU()))
	}
	if s.Mode == "env" {
		cmd.Env = append(cmd.Env, idleVars...)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("%v: %s", err, stderr.String())
	}
	var r result
	if err := json.Unmarshal(out, &r); err != nil {
		return result{}, fmt.Errorf("%v: %s", err, out)
	}
	return r, nil
}

// childMain measures the spec v holds and prints the result as JSON.
func childMain(v string) {
	var s spec
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		fatal("%s: %v", childEnv, err)
	}
	out, err := json.Marshal(child(s))
	if err != nil {
		fatal("%v", err)
	}
	fmt.Println(string(out))
}

// child measures one build in one mode, in this process.
func child(s spec) result {
	runtime.LockOSThread() // every call from one thread: one OpenMP team
	b, err := build(s.Build)
	if err != nil {
		fatal("%v", err)
	}
	goThreads = settleGo()
	dgemmFn := loadDgemm(b)
	if s.Mode == "pair" {
		return pairs(dgemmFn, s.Quick, s.Base == "scoped")
	}
	api := s.Mode == "api"
	scoped := api || s.Mode == "scoped"
	park := api && b.InternalAPI == "openblas" && b.Layer == "pthreads"
	if api {
		if _, err := blasctl.SetIdlePolicy(blasctl.IdleSleep); err != nil {
			fatal("%v", err)
		}
	}
	call := func(n int, a, bm, c []float64) {
		if !scoped {
			fblas.Dgemm(dgemmFn, n, a, bm, c)
			return
		}
		if err := blasctl.WithFairShare(func() { fblas.Dgemm(dgemmFn, n, a, bm, c) }); err != nil {
			fatal("%v", err)
		}
	}
	// idle is what the program does once a call has returned and a pause
	// follows.
	idle := func() {
		if park {
			if err := blasctl.ParkWorkers(); err != nil {
				fatal("%v", err)
			}
		}
	}

	windows, horizon, latN, tput := 5, 500*time.Millisecond, 15, 400*time.Millisecond
	if s.Quick {
		windows, horizon, latN, tput = 1, quickHorizon, 3, 50*time.Millisecond
	}
	a, bm, c := matrix(callN, 1), matrix(callN, 2), make([]float64, callN*callN)
	for range 3 {
		call(callN, a, bm, c) // the workers start
	}
	var r result
	r.Threads = threads()

	// The CPU after one call, and the busiest thread, sampled per slice.
	var cpu100, run100, spin []float64
	traces := make([][]float64, int(horizon/slice))
	runs := make([][]float64, len(traces))
	time.Sleep(horizon) // every library's workers asleep
	for range windows {
		call(callN, a, bm, c)
		idle()
		t0, c0, r0 := time.Now(), processCPU(), runnableTimes()
		tPrev, cPrev, rPrev := t0, c0, r0
		lastSpin := 0.0
		got100 := false
		for i := range traces {
			time.Sleep(time.Until(t0.Add(time.Duration(i+1) * slice)))
			t, cp, rt := time.Now(), processCPU(), runnableTimes()
			dt := t.Sub(tPrev).Seconds()
			traces[i] = append(traces[i], 100*(cp-cPrev).Seconds()/dt)
			busy := 100 * busiest(rPrev, rt).Seconds() / dt
			runs[i] = append(runs[i], busy)
			if busy > spinning {
				lastSpin = t.Sub(t0).Seconds() * 1000
			}
			if !got100 && t.Sub(t0) >= 100*time.Millisecond {
				cpu100 = append(cpu100, 100*(cp-c0).Seconds()/t.Sub(t0).Seconds())
				run100 = append(run100, 100*busiest(r0, rt).Seconds()/t.Sub(t0).Seconds())
				got100 = true
			}
			tPrev, cPrev, rPrev = t, cp, rt
		}
		spin = append(spin, lastSpin)
	}
	r.CPU100, r.Run100, r.SpinMS = median(cpu100), median(run100), median(spin)
	for i := range traces {
		r.Trace = append(r.Trace, median(traces[i]))
		r.Runs = append(r.Runs, median(runs[i]))
	}

	// Latency: back to back, then after each pause.
	lat := func(pause time.Duration) float64 {
		var v []float64
		for range latN {
			if pause > 0 {
				idle()
				time.Sleep(pause)
			}
			t := time.Now()
			call(callN, a, bm, c)
			v = append(v, float64(time.Since(t).Microseconds()))
		}
		// The best of the calls: other processes only add to a call's
		// time, and the wake-up it measures is in every call.
		return slices.Min(v)
	}
	r.BaseUS = lat(0)
	for _, p := range pauses {
		r.PauseUS = append(r.PauseUS, lat(p))
	}

	// Throughput, back to back: the best of tputWindows windows, as for
	// latency, since other processes only take from a window's calls.
	for _, n := range sizes {
		a, bm, c := matrix(n, 1), matrix(n, 2), make([]float64, n*n)
		call(n, a, bm, c)
		best := 0.0
		for range tputWindows {
			calls, t := 0, time.Now()
			for calls < minWindowCalls || time.Since(t) < tput/tputWindows {
				call(n, a, bm, c)
				calls++
			}
			best = max(best, float64(calls)*2*math.Pow(float64(n), 3)/time.Since(t).Seconds()/1e9)
		}
		r.GFLOPS = append(r.GFLOPS, best)
	}
	return r
}

// Throughput windows: each at least minWindowCalls calls long.
const (
	tputWindows    = 8
	minWindowCalls = 3
)

// loadDgemm loads the build's libraries and returns its dgemm_.
func loadDgemm(b libtest.Build) uintptr {
	var h uintptr
	var err error
	for _, p := range b.Load {
		if h, err = purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL); err != nil {
			fatal("dlopen %s: %v", p, err)
		}
	}
	fn, err := purego.Dlsym(h, "dgemm_")
	if err != nil {
		fatal("%v", err)
	}
	return fn
}

// threads counts the OS threads of this process.
func threads() int {
	entries, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return 0
	}
	return len(entries)
}

// goThreads are the threads the Go runtime started before the library
// loaded, left out of the busiest thread: on a busy machine, one that wakes
// every 10 ms to run a timer waits for a CPU for much of each slice.
var goThreads map[string]bool

// settleGo lets the Go runtime start the threads it needs for this
// program's sleeps and collections, and returns every thread then running.
func settleGo() map[string]bool {
	for range 5 {
		runtime.GC()
		time.Sleep(2 * time.Millisecond)
	}
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		fatal("%v", err)
	}
	set := map[string]bool{}
	for _, task := range tasks {
		set[task.Name()] = true
	}
	return set
}

// runnableTimes returns, for each thread of this process that the library
// started, how long it has been running or waiting for a CPU (the first two
// fields of its schedstat).
func runnableTimes() map[string]time.Duration {
	tasks, err := os.ReadDir("/proc/self/task")
	if err != nil {
		fatal("%v", err)
	}
	times := map[string]time.Duration{}
	for _, task := range tasks {
		if goThreads[task.Name()] {
			continue
		}
		stat, err := os.ReadFile("/proc/self/task/" + task.Name() + "/schedstat")
		if err != nil {
			continue // the thread has ended
		}
		var running, waiting int64
		if _, err := fmt.Sscan(string(stat), &running, &waiting); err != nil {
			fatal("schedstat %q: %v", stat, err)
		}
		times[task.Name()] = time.Duration(running + waiting)
	}
	return times
}

// busiest is the most runnable time one thread gained from before to after.
func busiest(before, after map[string]time.Duration) time.Duration {
	var most time.Duration
	for tid, d := range after {
		if d0, ok := before[tid]; ok {
			most = max(most, d-d0)
		}
	}
	return most
}

// processCPU is the CPU time every thread of this process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		fatal("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func matrix(n, seed int) []float64 {
	m := make([]float64, n*n)
	for i := range m {
		m[i] = float64((i*7+seed)%13) - 6
	}
	return m
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

// medianResult takes each figure's median over the rounds.
func medianResult(rs []result) result {
	pick := func(f func(result) float64) float64 {
		var v []float64
		for _, r := range rs {
			v = append(v, f(r))
		}
		return median(v)
	}
	m := result{
		Threads: rs[0].Threads,
		CPU100:  pick(func(r result) float64 { return r.CPU100 }),
		Run100:  pick(func(r result) float64 { return r.Run100 }),
		SpinMS:  pick(func(r result) float64 { return r.SpinMS }),
		BaseUS:  pick(func(r result) float64 { return r.BaseUS }),
	}
	for i := range rs[0].Trace {
		m.Trace = append(m.Trace, pick(func(r result) float64 { return r.Trace[i] }))
	}
	for i := range rs[0].Runs {
		m.Runs = append(m.Runs, pick(func(r result) float64 { return r.Runs[i] }))
	}
	for i := range rs[0].PauseUS {
		m.PauseUS = append(m.PauseUS, pick(func(r result) float64 { return r.PauseUS[i] }))
	}
	for i := range rs[0].GFLOPS {
		m.GFLOPS = append(m.GFLOPS, pick(func(r result) float64 { return r.GFLOPS[i] }))
	}
	return m
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "idle: "+format+"\n", args...)
	os.Exit(1)
}
