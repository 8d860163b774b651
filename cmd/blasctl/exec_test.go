package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestExecEnvironment(t *testing.T) {
	script := `for v in OMP_NUM_THREADS OPENBLAS_NUM_THREADS GOTO_NUM_THREADS MKL_NUM_THREADS MKL_DOMAIN_NUM_THREADS BLIS_NUM_THREADS VECLIB_MAXIMUM_THREADS BLIS_IC_NT KEEP_ME; do eval "echo $v=\${$v-unset}"; done`
	stdout, stderr, code := runCommand(t, []string{"OMP_NUM_THREADS=8", "BLIS_IC_NT=4", "KEEP_ME=yes"},
		"exec", "-n", "3", "--", "sh", "-c", script)
	if code != 0 {
		t.Fatalf("exit %d, stderr %s", code, stderr)
	}
	want := []string{"OMP_NUM_THREADS=3", "OPENBLAS_NUM_THREADS=3", "GOTO_NUM_THREADS=3", "MKL_NUM_THREADS=3",
		"MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_ALL=3", "BLIS_NUM_THREADS=3", "VECLIB_MAXIMUM_THREADS=3",
		"BLIS_IC_NT=unset", "KEEP_ME=yes"}
	if got := strings.Fields(stdout); !slices.Equal(got, want) {
		t.Errorf("the program saw\n%q\nwant\n%q", got, want)
	}
}

func TestExecExitStatus(t *testing.T) {
	for _, status := range []int{0, 1, 7, 255} {
		_, stderr, code := runCommand(t, nil, "exec", "--", "sh", "-c", "exit "+itoa(status))
		if code != status {
			t.Errorf("exit %d: blasctl exec exited %d (%s)", status, code, stderr)
		}
	}
}

func TestExecErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"exec"}, 2},
		{[]string{"exec", "-n", "0", "--", "true"}, 2},
		{[]string{"exec", "--", "/nonexistent/program"}, 127},
	} {
		_, stderr, code := runCommand(t, nil, c.args...)
		if code != c.code || stderr == "" {
			t.Errorf("%q: exit %d, want %d, stderr %q", c.args, code, c.code, stderr)
		}
	}
}

// TestExecSignals checks that the program takes blasctl's place: a signal
// sent to the process reaches the program's own handler, and a signal that
// kills the program kills what the caller started.
func TestExecSignals(t *testing.T) {
	// A process started in the background of a non-interactive shell
	// inherits SIGINT ignored, and a program cannot undo an ignore it was
	// started with, so the shell below would outlive SIGINT. Catching
	// SIGINT here makes every child start with the default action, as the
	// go command's own handler does for a test it runs.
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, syscall.SIGINT)
	defer signal.Stop(caught)

	start := func(script string) (*exec.Cmd, *bufio.Reader) {
		cmd := exec.Command(os.Args[0])
		encoded, _ := json.Marshal([]string{"exec", "--", "sh", "-c", script})
		cmd.Env = append(os.Environ(), "BLASCTL_MAIN_ARGS="+string(encoded))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(out)
		if line, err := r.ReadString('\n'); err != nil || line != "ready\n" {
			t.Fatalf("program did not start: %q %v", line, err)
		}
		return cmd, r
	}

	// The program's handler runs and its status comes back.
	cmd, _ := start(`trap 'exit 42' TERM; echo ready; while :; do sleep 0.05; done`)
	cmd.Process.Signal(syscall.SIGTERM)
	err := wait(t, cmd)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 42 {
		t.Errorf("TERM with a trap: %v, want exit 42", err)
	}

	// Without a handler, the signal ends the process the caller started.
	cmd, _ = start(`echo ready; while :; do sleep 0.05; done`)
	cmd.Process.Signal(syscall.SIGINT)
	err = wait(t, cmd)
	if !errors.As(err, &ee) {
		t.Fatalf("INT: %v", err)
	}
	if ws, ok := ee.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("INT: %v, want killed by SIGINT", err)
	}
}

func wait(t *testing.T, cmd *exec.Cmd) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the program did not end after the signal")
		return nil
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
