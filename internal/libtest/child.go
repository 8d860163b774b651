package libtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// ChildEnv is the one variable through which a test talks to a child process
// of its own binary: it carries the child's build and scenario (a Spec, as
// JSON). A process without it is the parent.
const ChildEnv = "BLASCTL_TEST_CHILD"

// ExecEnv names a program that runs this test binary's children (for the
// arm64 leg on an amd64 machine: qemu-aarch64-static), as go test -exec
// runs the binary itself. Unset, children run directly.
const ExecEnv = "BLASCTL_TEST_EXEC"

// Spec is what a child process is asked to run, as ChildEnv carries it.
type Spec struct {
	// Build names the build the child runs for: a row of Builds or
	// Fixtures, or a name of the test's own.
	Build string `json:"build,omitempty"`
	// Load lists the files of the build, in the order the child loads them.
	Load []string `json:"load,omitempty"`
	// Scenario names what the test runs in the child, for a test that
	// runs several; "" for a test that runs one.
	Scenario string `json:"scenario,omitempty"`
}

// This returns what this process runs as a child; ok is false in the
// parent. A ChildEnv that does not parse panics: no test can run on.
func This() (s Spec, ok bool) {
	v, ok := os.LookupEnv(ChildEnv)
	if !ok {
		return Spec{}, false
	}
	if err := json.Unmarshal([]byte(v), &s); err != nil {
		panic(fmt.Sprintf("%s=%q: %v", ChildEnv, v, err))
	}
	return s, true
}

// Scenario returns the scenario this process runs as a child; ok is false
// in the parent.
func Scenario() (name string, ok bool) {
	s, ok := This()
	return s.Scenario, ok
}

// Current returns the row of Builds this process is a child for, if any.
func Current() (Build, bool) {
	s, _ := This()
	for _, b := range Builds {
		if s.Build != "" && b.Name == s.Build {
			return b, true
		}
	}
	return Build{}, false
}

// Child is one run of this test binary in a child process of its own.
type Child struct {
	// Test is the test the child runs, as t.Name spells it: a top-level
	// test, or a path to one of its subtests.
	Test string
	// Build is what the child loads: its Name and Load travel in ChildEnv,
	// its Env is added to the child's environment, and a missing file of
	// it skips the run (fails it under Required).
	Build Build
	// Scenario travels in ChildEnv (Scenario reads it back there).
	Scenario string
	// Env is added to the child's environment after Build.Env.
	Env []string
}

// Run runs c and fails t, with the child's output, unless c.Test passed in
// it. A child that has not ended by the watchdog (the time left before t's
// deadline, less a margin) fails t with its goroutines' stacks: the child's
// own test timeout prints them, and a child too stuck for that gets SIGQUIT
// (the Go runtime's dump), then is killed. Run returns the output.
func (c Child) Run(t *testing.T) string {
	t.Helper()
	if err := c.Build.Check(); err != nil {
		Missing(t, "%v", err)
	}
	spec, err := json.Marshal(Spec{Build: c.Build.Name, Load: c.Build.Load, Scenario: c.Scenario})
	if err != nil {
		t.Fatal(err)
	}
	watchdog := watchdogFor(t)
	cmd := Command("-test.run="+runPattern(c.Test), "-test.count=1", "-test.v", "-test.timeout="+watchdog.String())
	cmd.Env = append(append(append(os.Environ(), ChildEnv+"="+string(spec)), c.Build.Env...), c.Env...)
	out, err, hung := runWatched(cmd, watchdog+grace)
	what := c.Test
	if c.Scenario != "" {
		what += " (scenario " + c.Scenario + ")"
	}
	if c.Build.Name != "" {
		what += " for " + c.Build.Name
	}
	switch top, _, _ := strings.Cut(c.Test, "/"); {
	case hung:
		t.Fatalf("%s in a child process: no end %v past the watchdog (%v), stopped (SIGQUIT; a kill on Windows): %v; its goroutines:\n%s", what, grace, watchdog, err, out)
	case strings.Contains(out, "panic: test timed out"):
		t.Fatalf("%s in a child process: no end within the watchdog (%v): %v; its goroutines:\n%s", what, watchdog, err, out)
	case err != nil || !strings.Contains(out, "--- PASS: "+top+" ") || !strings.Contains(out, "\nPASS"):
		t.Fatalf("%s in a child process: %v\n%s", what, err, out)
	}
	if testing.Verbose() {
		t.Logf("child output for %s:\n%s", what, out)
	}
	return out
}

// runPattern is the -test.run pattern that selects exactly test, a path of
// subtests as t.Name spells it.
func runPattern(test string) string {
	parts := strings.Split(test, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}

const (
	// grace is how long a child may take past its own test timeout to
	// print its stacks and exit, and then past SIGQUIT.
	grace = 15 * time.Second
	// noDeadline is the watchdog when the parent runs without a timeout.
	noDeadline = 20 * time.Minute
)

// watchdogFor is how long a child of t may run: up to t's deadline, less
// the time to stop it and report.
func watchdogFor(t *testing.T) time.Duration {
	d, ok := t.Deadline()
	if !ok {
		return noDeadline
	}
	left := time.Until(d)
	return max(left-3*grace, left/2, time.Second)
}

// runWatched runs cmd and returns its combined output and exit error. If
// the child has not ended after quitAfter, it sends SIGQUIT (hung is then
// true), and kills the child if it has not ended grace after that.
func runWatched(cmd *exec.Cmd, quitAfter time.Duration) (out string, err error, hung bool) {
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf // one writer: exec copies into it one write at a time
	cmd.WaitDelay = grace
	if err := cmd.Start(); err != nil {
		return "", err, false
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(quitAfter):
		hung = true
		if qerr := quit(cmd.Process); qerr != nil {
			_ = cmd.Process.Kill()
		}
		select {
		case err = <-done:
		case <-time.After(grace):
			_ = cmd.Process.Kill()
			err = <-done
		}
	}
	return buf.String(), err, hung
}

// Command is exec.Command for a child of this test binary: through the
// program ExecEnv names, if any.
func Command(args ...string) *exec.Cmd {
	if wrapper := os.Getenv(ExecEnv); wrapper != "" {
		return exec.Command(wrapper, append([]string{os.Args[0]}, args...)...)
	}
	return exec.Command(os.Args[0], args...)
}

// RunChild re-runs test (a top-level test) in a child process for build b
// and fails t with the child's output if the child fails.
func RunChild(t *testing.T, b Build, test string) {
	t.Helper()
	Child{Test: test, Build: b}.Run(t)
}

// RunScenarios re-runs test once per scenario, each in a parallel subtest
// of that name and a child process of its own that loads b's files
// (Scenario reads the name back there).
func RunScenarios(t *testing.T, scenarios []string, b Build, test string) {
	t.Helper()
	for _, name := range scenarios {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			Child{Test: test, Build: b, Scenario: name}.Run(t)
		})
	}
}

// PerBuild runs suite once per build, each in a child process of its own:
// in the parent it starts one child per build (in parallel), re-running the
// calling top-level test; in a child it runs suite for the child's build.
func PerBuild(t *testing.T, builds []Build, suite func(t *testing.T, b Build)) {
	t.Helper()
	if s, child := This(); child {
		b, ok := Current()
		if !ok {
			t.Fatalf("a child for %q, which is no row of Builds", s.Build)
		}
		suite(t, b)
		return
	}
	if !BuildsHere() {
		t.Skip("the real-library builds are Debian's amd64 and arm64 packages, and mingw's libgomp on Windows")
	}
	test, _, _ := strings.Cut(t.Name(), "/")
	for _, b := range builds {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			RunChild(t, b, test)
		})
	}
}
