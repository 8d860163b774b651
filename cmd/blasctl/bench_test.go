package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
)

// TestBenchTiny runs a tiny bench in a child process (it loads the system
// BLAS) and checks the table, the progress bar and both chart formats.
func TestBenchTiny(t *testing.T) {
	if _, err := os.Stat("/usr/lib/x86_64-linux-gnu/libopenblas.so.0"); err != nil {
		libtest.Missing(t, "libopenblas.so.0 is not installed")
	}
	dir := t.TempDir()
	for _, file := range []string{"chart.png", "chart.svg"} {
		path := filepath.Join(dir, file)
		csvPath := path + ".csv"
		stdout, stderr, code := runCommand(t, nil, "bench", "-n", "32", "-time", "20ms", "-max", "3", "-plot", path, "-csv", csvPath)
		if code != 0 {
			t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
		}
		// One row per goroutine count 1, 2, max=3 (the table rounds a slow
		// point to 0.00; the CSV below has the figures, each positive).
		row := regexp.MustCompile(`(?m)^\s*(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+\d+%\s+\d+%\s+\d+%\s*$`)
		rows := row.FindAllStringSubmatch(stdout, -1)
		var gs []string
		for _, r := range rows {
			gs = append(gs, r[1])
		}
		if strings.Join(gs, ",") != "1,2,3" || !strings.Contains(stdout, "WITHTHREADS(1) GFLOPS") || !strings.Contains(stdout, "FAIR SHARE GFLOPS") {
			t.Errorf("table rows for goroutines %v, want 1,2,3:\n%s", gs, stdout)
		}
		// stderr is a pipe here, not a terminal: no progress bar.
		if strings.Contains(stderr, "\r") || !strings.Contains(stderr, "wrote "+path) {
			t.Errorf("stderr has a progress bar off a terminal, or lacks the chart line:\n%q", stderr)
		}
		csvData, err := os.ReadFile(csvPath)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(csvData)), "\n")
		if len(lines) != 4 || lines[0] != "goroutines,default_gflops,withthreads1_gflops,ideal_gflops,fairshare_gflops" ||
			!strings.HasPrefix(lines[3], "3,") {
			t.Errorf("CSV:\n%s", csvData)
		}
		for _, line := range lines[1:] {
			for _, f := range strings.Split(line, ",")[1:] {
				if v, err := strconv.ParseFloat(f, 64); err != nil || v <= 0 {
					t.Errorf("CSV row %q: a throughput is not a positive number", line)
				}
			}
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		magic := map[string][]byte{".png": []byte("\x89PNG"), ".svg": []byte("<svg")}[filepath.Ext(file)]
		if !bytes.Contains(data[:min(len(data), 200)], magic) || !bytes.Contains(data, []byte("goroutines")) && filepath.Ext(file) == ".svg" {
			t.Errorf("%s does not look like a chart (%d bytes)", file, len(data))
		}
	}
}

func TestBenchErrors(t *testing.T) {
	for _, args := range [][]string{{"bench", "-n", "0"}, {"bench", "-max", "0"}, {"bench", "extra"}} {
		if _, _, code := runCommand(t, nil, args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	if _, stderr, code := runCommand(t, nil, "bench", "-lib", "/nonexistent/libblas.so"); code != 1 || stderr == "" {
		t.Errorf("missing -lib: exit %d, stderr %q", code, stderr)
	}
}
