package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// labels names the builds for people.
var labels = map[string]string{
	"openblas-pthread": "OpenBLAS pthreads",
	"openblas-openmp":  "OpenBLAS OpenMP",
	"openblas-serial":  "OpenBLAS serial",
	"mkl":              "MKL, Intel layer",
	"mkl-gnu":          "MKL, GNU layer",
	"blis-openmp":      "BLIS OpenMP",
	"blis-pthread":     "BLIS pthreads",
}

func label(build string) string {
	if l, ok := labels[build]; ok {
		return l
	}
	return build
}

// printTable prints rows as a markdown table: latencies after a pause with
// their excess over back to back, throughput with its ratio to the build's
// default mode.
func printTable(rows []row) {
	fmt.Println("| build | mode | CPU in the 100 ms after a call | a worker runnable | spins for | 384² dgemm back to back | after a 1 ms pause | after 10 ms | after 100 ms | GFLOP/s n=64 | n=256 | n=1024 |")
	fmt.Println("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, r := range rows {
		def := find(rows, r.build, "default")
		var b strings.Builder
		fmt.Fprintf(&b, "| %s | %s | %.0f%% | %.0f%% | %.0f ms | %.0f µs |", label(r.build), r.mode, r.r.CPU100, r.r.Run100, r.r.SpinMS, r.r.BaseUS)
		for _, p := range r.r.PauseUS {
			fmt.Fprintf(&b, " %.0f µs (%+.0f) |", p, p-r.r.BaseUS)
		}
		for i, g := range r.r.GFLOPS {
			if def != nil && r.mode != "default" {
				fmt.Fprintf(&b, " %.1f (%.2f×) |", g, g/def.r.GFLOPS[i])
			} else {
				fmt.Fprintf(&b, " %.1f |", g)
			}
		}
		fmt.Println(b.String())
	}
	fmt.Println("\nMedians over the rounds. CPU: % of one core. A worker runnable: % of the same 100 ms that the")
	fmt.Println("busiest thread the library started was running or waiting for a CPU (a spinning worker: 100%,")
	fmt.Println("however busy the machine). Spins for: until the last 10 ms slice in which it was runnable over")
	fmt.Println("half the time (0: none). Latency: the best of 15 calls; after a pause, with its excess over back")
	fmt.Println("to back. Throughput: with its ratio to the same build's default mode.")
}

func find(rows []row, build, mode string) *row {
	for i := range rows {
		if rows[i].build == build && rows[i].mode == mode {
			return &rows[i]
		}
	}
	return nil
}

// chart draws four panels, SVG by hand as bench/payoff does: per build,
// bars per mode for the CPU in the 100 ms after a call, the extra latency
// after a 10 ms pause and the throughput at n = 256 against the default;
// then, over time after a call, the share of each slice a worker is
// runnable (spinning), default (solid) and env (dashed).
func chart(rows []row) string {
	var builds, ms []string
	for _, r := range rows {
		if !contains(builds, r.build) {
			builds = append(builds, r.build)
		}
		if !contains(ms, r.mode) {
			ms = append(ms, r.mode)
		}
	}
	const pw, ph, top, left, gap = 330, 200, 50, 55, 60
	w := left + 2*(pw+gap)
	h := 2*(top+ph+70) + 40
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="11">`+"\n", w, h)
	fmt.Fprintf(&sb, `<rect width="%d" height="%d" fill="white"/>`+"\n", w, h)
	modeColor := map[string]string{"default": "#d62728", "env": "#1f77b4", "scoped": "#9467bd", "api": "#2ca02c"}
	modeName := map[string]string{"default": "library default", "env": "exec -idle sleep (load-time variables)", "scoped": "WithFairShare, IdleDefault", "api": "SetIdlePolicy(IdleSleep)"}
	var names []string
	for _, m := range ms {
		names = append(names, modeName[m])
	}
	fmt.Fprintf(&sb, `<text x="%d" y="18" font-size="14">Idle BLAS workers per build: %s</text>`+"\n", left, strings.Join(names, ", "))

	bars := func(px, py int, title string, unit string, value func(result, *row) float64, peak float64, mark float64) {
		for _, b := range builds {
			for _, m := range ms {
				if r := find(rows, b, m); r != nil {
					peak = math.Max(peak, value(r.r, find(rows, b, "default")))
				}
			}
		}
		peak *= 1.1
		fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="12">%s</text>`+"\n", px, py-10, title)
		fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", px, py+ph, px+pw, py+ph)
		fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", px, py, px, py+ph)
		for t := 0; t <= 4; t++ {
			y := py + ph - ph*t/4
			fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end">%s</text>`+"\n", px-4, y+4, tick(peak*float64(t)/4, unit))
		}
		if mark > 0 {
			y := py + ph - int(float64(ph)*mark/peak)
			fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888" stroke-dasharray="4,3"/>`+"\n", px, y, px+pw, y)
		}
		slot := pw / len(builds)
		bw := (slot - 8) / len(ms)
		for bi, b := range builds {
			for k, m := range ms {
				r := find(rows, b, m)
				if r == nil {
					continue
				}
				v := value(r.r, find(rows, b, "default"))
				bh := int(float64(ph) * math.Max(v, 0) / peak)
				x := px + bi*slot + 4 + k*bw
				fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s, %s: %s</title></rect>`+"\n",
					x, py+ph-bh, bw-1, bh, modeColor[m], label(b), m, tick(v, unit))
			}
			words := strings.SplitN(label(b), " ", 2)
			for li, word := range words {
				fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="middle" font-size="10">%s</text>`+"\n",
					px+bi*slot+slot/2, py+ph+13+12*li, word)
			}
		}
	}
	py1, py2 := top+10, top+10+ph+70+top
	bars(left, py1, "CPU, 100 ms after a 384² dgemm (% of a core; - - 5%)", "%",
		func(r result, _ *row) float64 { return r.CPU100 }, 10, 5)
	bars(left+pw+gap, py1, "extra latency of a call after a 10 ms pause (µs)", "µs",
		func(r result, _ *row) float64 { return r.PauseUS[1] - r.BaseUS }, 1, 0)
	bars(left, py2, "throughput at n = 256 / default (- - 0.97)", "×",
		func(r result, def *row) float64 {
			if def == nil {
				return 0
			}
			return r.GFLOPS[1] / def.r.GFLOPS[1]
		}, 1, 0.97)

	// CPU over time after a call.
	px, py := left+pw+gap, py2
	peak := 100.0
	var n int
	for _, r := range rows {
		n = max(n, len(r.r.Runs))
	}
	fmt.Fprintf(&sb, `<text x="%d" y="%d" font-size="12">a worker runnable, per 10 ms after a call (%%); env dashed</text>`+"\n", px, py-10)
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", px, py+ph, px+pw, py+ph)
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="black"/>`+"\n", px, py, px, py+ph)
	for t := 0; t <= 4; t++ {
		y := py + ph - ph*t/4
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="end">%.0f%%</text>`+"\n", px-4, y+4, peak*float64(t)/4)
		x := px + pw*t/4
		fmt.Fprintf(&sb, `<text x="%d" y="%d" text-anchor="middle">%d ms</text>`+"\n", x, py+ph+14, n*10*t/4)
	}
	buildColor := []string{"#d62728", "#ff7f0e", "#9467bd", "#1f77b4", "#17becf", "#7f7f7f", "#2ca02c"}
	for bi, b := range builds {
		for _, m := range []string{"default", "env"} {
			r := find(rows, b, m)
			if r == nil || len(r.r.Runs) == 0 {
				continue
			}
			var pts []string
			for i, v := range r.r.Runs {
				x := px + pw*(i+1)/n
				y := py + ph - int(float64(ph)*math.Min(v, peak)/peak)
				pts = append(pts, fmt.Sprintf("%d,%d", x, y))
			}
			dash := ""
			if m == "env" {
				dash = ` stroke-dasharray="5,3"`
			}
			fmt.Fprintf(&sb, `<polyline points="%s" fill="none" stroke="%s" stroke-width="1.5"%s><title>%s, %s</title></polyline>`+"\n",
				strings.Join(pts, " "), buildColor[bi%len(buildColor)], dash, label(b), m)
		}
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="10" height="3" fill="%s"/><text x="%d" y="%d" font-size="10">%s</text>`+"\n",
			px+pw-105, py+6+bi*13, buildColor[bi%len(buildColor)], px+pw-91, py+10+bi*13, label(b))
	}

	for k, m := range ms {
		x := left + k*260
		fmt.Fprintf(&sb, `<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>`+"\n",
			x, h-28, modeColor[m], x+16, h-18, modeName[m])
	}
	sb.WriteString("</svg>\n")
	return sb.String()
}

func tick(v float64, unit string) string {
	switch unit {
	case "×":
		return fmt.Sprintf("%.2f×", v)
	case "%":
		return fmt.Sprintf("%.0f%%", v)
	}
	return fmt.Sprintf("%.0f %s", v, unit)
}

func contains(s []string, v string) bool { return slices.Contains(s, v) }
