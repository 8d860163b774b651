package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHelp checks that -h on the command and on every subcommand prints the
// usage to standard output and exits 0, and that every command of the one
// table is listed.
func TestHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"help"}, {"info", "-h"}, {"exec", "-h"}, {"bench", "-h"}, {"bench", "-help"}} {
		stdout, stderr, code := runCommand(t, nil, args...)
		if code != 0 || !strings.Contains(stdout, "usage") || stderr != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	stdout, _, _ := runCommand(t, nil, "-h")
	for _, c := range commands {
		if !strings.Contains(stdout, "  "+c.name+" ") {
			t.Errorf("usage does not list %s:\n%s", c.name, stdout)
		}
	}
	if _, stderr, code := runCommand(t, nil); code != 2 || !strings.Contains(stderr, "usage") {
		t.Errorf("no command: exit %d, stderr %q", code, stderr)
	}
	if _, stderr, code := runCommand(t, nil, "bench", "-nosuchflag"); code != 2 || !strings.Contains(stderr, "nosuchflag") {
		t.Errorf("a bad flag: exit %d, stderr %q", code, stderr)
	}
}

// TestBenchChecksOutputFirst checks that a chart or CSV path that cannot be
// written is refused before any measuring.
func TestBenchChecksOutputFirst(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"-plot", filepath.Join(dir, "chart.jpg")},
		{"-plot", filepath.Join(dir, "chart")},
		{"-plot", filepath.Join(dir, "missing", "chart.png")},
		{"-csv", filepath.Join(dir, "table.txt")},
		{"-csv", filepath.Join(dir, "missing", "table.csv")},
	} {
		start := time.Now()
		// -time 1h: measuring would never end within the test's limit.
		_, stderr, code := runCommand(t, nil, append([]string{"bench", "-time", "1h"}, args...)...)
		if code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
		if d := time.Since(start); d > time.Minute {
			t.Errorf("%q took %v: it measured first", args, d)
		}
	}
}

// TestExecShellStatuses checks the shell's convention: a program that is not
// found exits 127, one that is found but cannot be run 126.
func TestExecShellStatuses(t *testing.T) {
	plain := filepath.Join(t.TempDir(), "not-executable")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		prog string
		code int
	}{{"/nonexistent/program", 127}, {"no-such-program-blasctl", 127}, {plain, 126}} {
		_, stderr, code := runCommand(t, nil, "exec", "--", c.prog)
		if code != c.code || !strings.Contains(stderr, "blasctl exec") {
			t.Errorf("%s: exit %d, want %d (stderr %q)", c.prog, code, c.code, stderr)
		}
	}
}

// TestExecCap checks that exec caps -n as the library caps n: at the CPU
// count, or at a larger count the environment already holds.
func TestExecCap(t *testing.T) {
	stdout, stderr, code := runCommand(t, nil, "exec", "-n", "100000", "--", "sh", "-c", "echo $OMP_NUM_THREADS")
	if want := itoa(execCap(nil)); code != 0 || strings.TrimSpace(stdout) != want || !strings.Contains(stderr, "capped") {
		t.Errorf("-n 100000: exit %d, OMP_NUM_THREADS=%q (want %s), stderr %q", code, stdout, want, stderr)
	}
	stdout, _, _ = runCommand(t, []string{"OMP_NUM_THREADS=64"}, "exec", "-n", "100", "--", "sh", "-c", "echo $OMP_NUM_THREADS")
	if strings.TrimSpace(stdout) != "64" {
		t.Errorf("with OMP_NUM_THREADS=64 set before, -n 100 gave %q, want 64", stdout)
	}
	if c := execCap([]string{"MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_ALL=512", "PATH=/bin"}); c != 512 {
		t.Errorf("execCap with MKL_DOMAIN_ALL=512: %d", c)
	}
}
