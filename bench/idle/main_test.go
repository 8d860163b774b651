package main

import (
	"encoding/xml"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
)

// TestMain lets the test binary be the benchmark's child, as the command is.
func TestMain(m *testing.M) {
	if v, ok := os.LookupEnv(childEnv); ok {
		childMain(v)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestQuick runs the quick mode's children for the pthreads OpenBLAS,
// with and without the idle variables, and checks that every figure is
// there and the chart is well-formed SVG. It measures nothing against a
// bound: the figures are the benchmark's.
func TestQuick(t *testing.T) {
	var rows []row
	for _, name := range []string{"openblas-pthread"} {
		b, err := build(name)
		if err != nil {
			libtest.Missing(t, "%v", err)
		}
		for _, m := range []string{"default", "env"} {
			r, err := run(spec{Build: b.Name, Mode: m, Quick: true})
			if err != nil {
				t.Fatalf("%s, %s: %v", name, m, err)
			}
			if len(r.Trace) != int(quickHorizon/slice) || len(r.PauseUS) != len(pauses) || len(r.GFLOPS) != len(sizes) || r.BaseUS <= 0 {
				t.Errorf("%s, %s: incomplete %+v", name, m, r)
			}
			for _, g := range r.GFLOPS {
				if !(g > 0) {
					t.Errorf("%s, %s: throughput %v", name, m, r.GFLOPS)
				}
			}
			rows = append(rows, row{build: name, mode: m, r: r})
		}
	}
	d := xml.NewDecoder(strings.NewReader(chart(rows)))
	for {
		_, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the chart is not well-formed: %v", err)
		}
	}
}
