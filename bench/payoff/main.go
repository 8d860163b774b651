// Command payoff measures what scoping buys: G goroutines each running
// dgemm on OpenBLAS (pthreads build), with OpenBLAS left at its default
// thread count (unscoped), with every dgemm call wrapped in
// blasctl.WithThreads(1, ...) (per call), and with each goroutine's whole
// loop in one WithThreads(1, ...) (per worker), with every dgemm call in
// blasctl.WithFairShare (fair share: max(1, CPUs/k) threads for k callers
// inside), against the ideal: one goroutine's single-threaded GFLOPS times
// min(G, CPUs). The chart shows unscoped, per call, fair share and ideal.
//
//	go -C bench run ./payoff                  # the table
//	go -C bench run ./payoff -svg payoff.svg  # and a chart
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
	"github.com/ebitengine/purego"
)

const openblas = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0"

var (
	dgemm, setThreads, getThreads uintptr
)

func main() {
	sizesFlag := flag.String("sizes", "64,256,1024", "matrix orders")
	gsFlag := flag.String("g", "1,2,4,8", "goroutine counts")
	dur := flag.Duration("time", 600*time.Millisecond, "time per measurement")
	reps := flag.Int("reps", 3, "rounds of measurements (each cell reports its median)")
	svg := flag.String("svg", "", "write a chart of the GFLOPS to this SVG file")
	flag.Parse()

	h, err := purego.Dlopen(openblas, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		fatal("%v", err)
	}
	dgemm = sym(h, "dgemm_")
	setThreads = sym(h, "openblas_set_num_threads")
	getThreads = sym(h, "openblas_get_num_threads")
	cpus := runtime.NumCPU()
	def := get()
	fmt.Printf("OpenBLAS pthreads, %d CPUs, GOMAXPROCS %d, default %d threads; median of %d x %v per cell\n\n",
		cpus, runtime.GOMAXPROCS(0), def, *reps, *dur)

	sizes, gs := ints(*sizesFlag), ints(*gsFlag)
	fmt.Printf("%5s %2s %9s %9s %10s %10s %9s %10s %9s %11s %10s %12s\n",
		"n", "G", "unscoped", "per call", "per worker", "fair share", "ideal", "call/unsc", "call/ideal", "worker/ideal", "fair/ideal", "fair/best")
	var rows []row
	for _, n := range sizes {
		// The cells of one size are measured in rounds, each round taking
		// every cell once, so that load from other processes that comes and
		// goes weighs on all of them alike; each cell is the median. Each
		// round starts the four modes of a cell one place later than the
		// round before, so that no mode always runs right after another.
		var single []float64
		unscoped, scoped, worker := make([][]float64, len(gs)), make([][]float64, len(gs)), make([][]float64, len(gs))
		fair := make([][]float64, len(gs))
		results := map[mode]*[][]float64{unscopedMode: &unscoped, perCall: &scoped, perWorker: &worker, fairShare: &fair}
		for round := range *reps {
			set(1)
			single = append(single, once(n, 1, unscopedMode, *dur))
			set(def)
			for i, g := range gs {
				for j := range len(results) {
					m := mode((round + j) % len(results))
					(*results[m])[i] = append((*results[m])[i], once(n, g, m, *dur))
				}
				if got := get(); got != def {
					fatal("OpenBLAS reads %d threads after the scoped run, want %d", got, def)
				}
			}
		}
		for i, g := range gs {
			r := row{n: n, g: g, ideal: median(single) * float64(min(g, cpus)),
				unscoped: median(unscoped[i]), scoped: median(scoped[i]), worker: median(worker[i]), fair: median(fair[i])}
			rows = append(rows, r)
			fmt.Printf("%5d %2d %9.2f %9.2f %10.2f %10.2f %9.2f %9.2fx %9.0f%% %10.0f%% %9.0f%% %11.2fx\n",
				n, g, r.unscoped, r.scoped, r.worker, r.fair, r.ideal, r.scoped/r.unscoped, 100*r.scoped/r.ideal,
				100*r.worker/r.ideal, 100*r.fair/r.ideal, r.fair/max(r.unscoped, r.worker))
		}
	}
	fmt.Println("\nGFLOPS summed over the G goroutines; ideal = single-thread GFLOPS of one goroutine x min(G, CPUs);")
	fmt.Println("fair/best = fair share / the better of unscoped and per worker")
	if *svg != "" {
		if err := os.WriteFile(*svg, []byte(chart(rows, gs, sizes)), 0o644); err != nil {
			fatal("%v", err)
		}
	}
}

type row struct {
	n, g                                  int
	unscoped, scoped, worker, fair, ideal float64
}

type mode int

const (
	unscopedMode mode = iota
	perCall
	perWorker
	fairShare
)

func median(v []float64) float64 {
	v = slices.Clone(v)
	slices.Sort(v)
	return v[len(v)/2]
}

func once(n, g int, m mode, d time.Duration) float64 {
	var (
		wg    sync.WaitGroup
		calls = make([]int, g)
		start = make(chan struct{})
	)
	for w := range g {
		a, b, c := matrix(n, w), matrix(n, w+1), make([]float64, n*n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			deadline := time.Now().Add(d)
			loop := func() {
				for calls[w] == 0 || time.Now().Before(deadline) {
					switch m {
					case perCall:
						if err := blasctl.WithThreads(1, func() { fblas.Dgemm(dgemm, n, a, b, c) }); err != nil {
							panic(err)
						}
					case fairShare:
						if err := blasctl.WithFairShare(func() { fblas.Dgemm(dgemm, n, a, b, c) }); err != nil {
							panic(err)
						}
					default:
						fblas.Dgemm(dgemm, n, a, b, c)
					}
					calls[w]++
				}
			}
			if m == perWorker {
				if err := blasctl.WithThreads(1, loop); err != nil {
					panic(err)
				}
				return
			}
			loop()
		}()
	}
	t := time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(t).Seconds()
	total := 0
	for _, k := range calls {
		total += k
	}
	return float64(total) * 2 * math.Pow(float64(n), 3) / elapsed / 1e9
}

func matrix(n, seed int) []float64 {
	m := make([]float64, n*n)
	for i := range m {
		m[i] = float64((i*7+seed)%13) - 6
	}
	return m
}

func get() int {
	r, _, _ := purego.SyscallN(getThreads)
	return int(int32(r))
}

func set(n int) { purego.SyscallN(setThreads, uintptr(n)) }

func sym(h uintptr, name string) uintptr {
	p, err := purego.Dlsym(h, name)
	if err != nil {
		fatal("%v", err)
	}
	return p
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			fatal("bad list %q", s)
		}
		out = append(out, v)
	}
	return out
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "payoff: "+format+"\n", args...)
	os.Exit(1)
}

// chart draws one panel per matrix order: for each G, bars for unscoped,
// per-call scoped, per-worker scoped and ideal GFLOPS.
func chart(rows []row, gs, sizes []int) string {
	const pw, ph, top, left, gap = 300, 220, 40, 50, 30
	w := left + len(sizes)*(pw+gap)
	h := top + ph + 70
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", w, h)
	fmt.Fprintf(&sb, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	fmt.Fprintf(&sb, `<text x="%d" y="18" font-size="14">dgemm GFLOPS, G goroutines, OpenBLAS pthreads: default, per call, fair share, ideal</text>`+"\n", left)
	colors := []string{"#d62728", "#1f77b4", "#ff7f0e", "#bbbbbb"}
	names := []string{"library default (unscoped)", "WithThreads(1) per call", "WithFairShare per call", "ideal"}
	for si, n := range sizes {
		x0 := left + si*(pw+gap)
		peak := 0.0
		for _, r := range rows {
			if r.n == n {
				peak = max(peak, r.unscoped, r.scoped, r.fair, r.ideal)
			}
		}
		peak *= 1.1
		fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="12">n = %d</text>`+"\n", x0+pw/2-25, top-6, n)
		fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", x0, top+ph, x0+pw, top+ph)
		fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", x0, top, x0, top+ph)
		for t := 0; t <= 4; t++ {
			y := top + ph - ph*t/4
			fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end">%.0f</text>`+"\n", x0-4, y+4, peak*float64(t)/4)
		}
		slot := pw / len(gs)
		bw := (slot - 10) / 4
		for gi, g := range gs {
			var r row
			for _, rr := range rows {
				if rr.n == n && rr.g == g {
					r = rr
				}
			}
			for k, v := range []float64{r.unscoped, r.scoped, r.fair, r.ideal} {
				bh := int(float64(ph) * v / peak)
				x := x0 + gi*slot + 5 + k*bw
				fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"/>`+"\n", x, top+ph-bh, bw-1, bh, colors[k])
			}
			fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="middle">G=%d</text>`+"\n", x0+gi*slot+slot/2, top+ph+15, g)
		}
	}
	for k, name := range names {
		x := left + k*190
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			x, h-30, colors[k], x+16, h-20, name)
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}
