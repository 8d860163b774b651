package main

import (
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/fblas"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
)

// benchPoint is the measured throughput at one goroutine count.
type benchPoint struct {
	g                                int
	free, scoped, fair, ideal        float64 // GFLOPS
	freeCalls, scopeCalls, fairCalls int64
}

// benchMode is how each goroutine's dgemm calls are scoped.
type benchMode int

const (
	libraryDefault   benchMode = iota // no scope: the library's own count
	perGoroutine                      // one WithThreads(1) around the goroutine's loop
	fairSharePerCall                  // each call in WithFairShare
)

func runBench(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	size := fs.Int("n", 256, "matrix `size` of each dgemm (n x n times n x n)")
	per := fs.Duration("time", time.Second, "how long to measure each point")
	maxG := fs.Int("max", 2*runtime.NumCPU(), "the largest goroutine count")
	lib := fs.String("lib", "", "the BLAS to load, `name or path` (default: the first of "+strings.Join(defaultBLAS, ", ")+")")
	plotFile := fs.String("plot", "", "write a chart of GFLOPS against goroutines to `FILE` (.png or .svg)")
	csvFile := fs.String("csv", "", "also write the table as CSV to `FILE` (- for standard output)")
	fs.Usage = usageFunc(fs, "blasctl bench [-n SIZE] [-time D] [-max G] [-lib BLAS] [-plot FILE] [-csv FILE]")
	if status, done := parseFlags(fs, args, stdout, stderr); done {
		return status
	}
	if fs.NArg() > 0 || *size < 1 || *maxG < 1 || *per <= 0 {
		fs.Usage()
		return 2
	}
	// Check where the results go before minutes of measuring.
	for _, out := range []struct{ file, exts string }{{*plotFile, ".png .svg"}, {*csvFile, ".csv"}} {
		if err := checkOutput(out.file, out.exts); err != nil {
			fmt.Fprintf(stderr, "blasctl bench: %v\n", err)
			return 2
		}
	}
	dgemm, name, err := loadDgemm(*lib)
	if err != nil {
		fmt.Fprintf(stderr, "blasctl bench: %v\n", err)
		return 1
	}
	libs, err := blasctl.Libraries()
	if err != nil {
		fmt.Fprintf(stderr, "blasctl bench: %v\n", err)
		return 1
	}
	var counts []string
	for _, l := range libs {
		counts = append(counts, fmt.Sprintf("%s %s %d threads", l.InternalAPI, l.ThreadingLayer, l.NumThreads))
	}
	fmt.Fprintf(stdout, "dgemm %dx%d from %s (%s), %d CPUs, GOMAXPROCS %d, %v per point\n",
		*size, *size, name, strings.Join(counts, "; "), runtime.NumCPU(), runtime.GOMAXPROCS(0), *per)

	var gs []int
	for g := 1; g < *maxG; g *= 2 {
		gs = append(gs, g)
	}
	gs = append(gs, *maxG)

	bar := &progress{w: stderr, total: 3 * len(gs), on: isTerminal(stderr)}
	points := make([]benchPoint, len(gs))
	var single float64
	for i, g := range gs {
		p := &points[i]
		p.g = g
		bar.step(fmt.Sprintf("%d goroutines, library default", g))
		p.free, p.freeCalls = measure(dgemm, *size, g, *per, libraryDefault)
		bar.step(fmt.Sprintf("%d goroutines, WithThreads(1)", g))
		p.scoped, p.scopeCalls = measure(dgemm, *size, g, *per, perGoroutine)
		bar.step(fmt.Sprintf("%d goroutines, WithFairShare", g))
		p.fair, p.fairCalls = measure(dgemm, *size, g, *per, fairSharePerCall)
		if i == 0 {
			single = p.scoped // one goroutine on one BLAS thread
		}
		p.ideal = single * float64(min(g, runtime.NumCPU()))
	}
	bar.finish()

	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "GOROUTINES\tDEFAULT GFLOPS\tWITHTHREADS(1) GFLOPS\tFAIR SHARE GFLOPS\tIDEAL GFLOPS\tDEFAULT/IDEAL\tWITHTHREADS(1)/IDEAL\tFAIR SHARE/IDEAL\t")
	for _, p := range points {
		fmt.Fprintf(tw, "%d\t%.2f\t%.2f\t%.2f\t%.2f\t%.0f%%\t%.0f%%\t%.0f%%\t\n", p.g, p.free, p.scoped, p.fair, p.ideal,
			100*p.free/p.ideal, 100*p.scoped/p.ideal, 100*p.fair/p.ideal)
	}
	tw.Flush()

	if *csvFile != "" {
		if err := writeCSV(*csvFile, stdout, points); err != nil {
			fmt.Fprintf(stderr, "blasctl bench: %v\n", err)
			return 1
		}
	}
	if *plotFile != "" {
		title := fmt.Sprintf("dgemm %dx%d, %s, %d CPUs", *size, *size, name, runtime.NumCPU())
		if err := writePlot(*plotFile, title, points); err != nil {
			fmt.Fprintf(stderr, "blasctl bench: %v\n", err)
			return 1
		}
		fmt.Fprintf(stderr, "wrote %s\n", *plotFile)
	}
	return 0
}

// loadDgemm loads the BLAS (lib, or the first default that loads) and
// returns its dgemm_.
func loadDgemm(lib string) (dgemm uintptr, name string, err error) {
	names := defaultBLAS
	if lib != "" {
		names = []string{lib}
	}
	for _, name := range names {
		if err = load(name); err != nil {
			continue
		}
		sym, err := symbol(name, "dgemm_")
		if err != nil {
			return 0, "", fmt.Errorf("%s has no dgemm_: %v", name, err)
		}
		return sym, name, nil
	}
	if lib != "" {
		return 0, "", err
	}
	return 0, "", fmt.Errorf("no BLAS library is installed (looked for %s); on Debian: sudo apt-get install -y libopenblas0-pthread",
		strings.Join(defaultBLAS, ", "))
}

// measure runs g goroutines calling dgemm for d, scoped as m says, and
// returns the total GFLOPS.
func measure(dgemm uintptr, n, g int, d time.Duration, m benchMode) (gflops float64, calls int64) {
	var (
		total atomic.Int64
		wg    sync.WaitGroup
		start = make(chan struct{})
	)
	var deadline time.Time // set before start is closed
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, c := make([]float64, n*n), make([]float64, n*n)
			for i := range a {
				a[i] = float64(i%7) - 3
			}
			work := func() {
				<-start
				// At least one call each: on a loaded machine a goroutine
				// can first run after the deadline, and a point of no calls
				// would read 0 GFLOPS.
				k := int64(0)
				call := func() { fblas.Dgemm(dgemm, n, a, a, c) }
				for k == 0 || time.Now().Before(deadline) {
					if m == fairSharePerCall {
						if err := blasctl.WithFairShare(call); err != nil {
							panic(err)
						}
					} else {
						call()
					}
					k++
				}
				total.Add(k)
			}
			if m == perGoroutine {
				if err := blasctl.WithThreads(1, work); err != nil {
					panic(err)
				}
				return
			}
			work()
		}()
	}
	t0 := time.Now()
	deadline = t0.Add(d)
	close(start)
	wg.Wait()
	elapsed := time.Since(t0)
	calls = total.Load()
	return 2 * float64(n) * float64(n) * float64(n) * float64(calls) / elapsed.Seconds() / 1e9, calls
}

// progress draws a one-line bar on w.
type progress struct {
	w            io.Writer
	total, steps int
	on           bool // only on a terminal: a bar of carriage returns garbles a log
}

func (p *progress) step(label string) {
	if !p.on {
		return
	}
	const width = 30
	fill := width * p.steps / p.total
	fmt.Fprintf(p.w, "\r[%s%s] %d/%d %-40s", strings.Repeat("=", fill), strings.Repeat(" ", width-fill), p.steps+1, p.total, label)
	p.steps++
}

func (p *progress) finish() {
	if !p.on {
		return
	}
	fmt.Fprintf(p.w, "\r[%s] %d/%d %-40s\n", strings.Repeat("=", 30), p.total, p.total, "done")
}

// writePlot draws GFLOPS against goroutines; the format follows the file
// extension (.png, .svg, also .pdf).
func writePlot(file, title string, points []benchPoint) error {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "goroutines"
	p.Y.Label.Text = "GFLOPS"
	p.Y.Min = 0
	line := func(f func(benchPoint) float64) plotter.XYs {
		xy := make(plotter.XYs, len(points))
		for i, pt := range points {
			xy[i].X, xy[i].Y = float64(pt.g), f(pt)
		}
		return xy
	}
	if err := plotutil.AddLinePoints(p,
		"library default", line(func(b benchPoint) float64 { return b.free }),
		"WithThreads(1) per goroutine", line(func(b benchPoint) float64 { return b.scoped }),
		"WithFairShare per call", line(func(b benchPoint) float64 { return b.fair }),
		"ideal: 1-thread x min(G, CPUs)", line(func(b benchPoint) float64 { return b.ideal }),
	); err != nil {
		return err
	}
	top := 0.0
	for _, pt := range points {
		top = max(top, pt.free, pt.scoped, pt.fair, pt.ideal)
	}
	p.Y.Max = 1.35 * top // room for the legend above the lines
	p.Legend.Top = true
	p.Legend.Left = true
	var ticks []plot.Tick
	for _, pt := range points {
		ticks = append(ticks, plot.Tick{Value: float64(pt.g), Label: fmt.Sprint(pt.g)})
	}
	p.X.Tick.Marker = plot.ConstantTicks(ticks)
	return p.Save(6*vg.Inch, 4*vg.Inch, file)
}

// checkOutput checks, before any measuring, that file ("" for none, "-" for
// standard output where exts allows .csv) has one of the extensions exts
// lists and can be created where it names.
func checkOutput(file, exts string) error {
	if file == "" || (file == "-" && exts == ".csv") {
		return nil
	}
	ext := strings.ToLower(filepath.Ext(file))
	if ext == "" || !strings.Contains(" "+exts+" ", " "+ext+" ") {
		return fmt.Errorf("%s: the file name must end in %s", file, strings.ReplaceAll(exts, " ", " or "))
	}
	probe, err := os.CreateTemp(filepath.Dir(file), ".blasctl-bench-*")
	if err != nil {
		return fmt.Errorf("%s: cannot write there: %v", file, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// writeCSV writes the measured points as CSV, with a header row, to file or,
// for "-", to stdout.
func writeCSV(file string, stdout io.Writer, points []benchPoint) error {
	w := stdout
	if file != "-" {
		f, err := os.Create(file)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	cw := csv.NewWriter(w)
	cw.Write([]string{"goroutines", "default_gflops", "withthreads1_gflops", "ideal_gflops", "fairshare_gflops"})
	for _, p := range points {
		// Four significant digits: a slow point stays above zero.
		cw.Write([]string{strconv.Itoa(p.g), strconv.FormatFloat(p.free, 'g', 4, 64),
			strconv.FormatFloat(p.scoped, 'g', 4, 64), strconv.FormatFloat(p.ideal, 'g', 4, 64),
			strconv.FormatFloat(p.fair, 'g', 4, 64)})
	}
	cw.Flush()
	return cw.Error()
}
