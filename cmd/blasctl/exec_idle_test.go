//go:build !windows

package main

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// TestExecIdleEnvironment checks the variables exec -idle sleep passes on:
// each one the environment lacks, none it sets (the user's choice), none
// that would override an OMP_WAIT_POLICY it sets, and the thread variables
// only under -n.
func TestExecIdleEnvironment(t *testing.T) {
	const script = `for v in OMP_WAIT_POLICY KMP_BLOCKTIME GOMP_SPINCOUNT OPENBLAS_THREAD_TIMEOUT OMP_NUM_THREADS; do eval "echo $v=\${$v-unset}"; done`
	for _, c := range []struct {
		name string
		env  []string
		args []string
		want []string
	}{
		{"sleep", []string{"OMP_NUM_THREADS=8"}, []string{"-idle", "sleep"},
			[]string{"OMP_WAIT_POLICY=passive", "KMP_BLOCKTIME=0", "GOMP_SPINCOUNT=0", "OPENBLAS_THREAD_TIMEOUT=4", "OMP_NUM_THREADS=8"}},
		{"sleep and -n", nil, []string{"-idle=sleep", "-n", "1"},
			[]string{"OMP_WAIT_POLICY=passive", "KMP_BLOCKTIME=0", "GOMP_SPINCOUNT=0", "OPENBLAS_THREAD_TIMEOUT=4", "OMP_NUM_THREADS=1"}},
		{"user's blocktime", []string{"KMP_BLOCKTIME=50", "OPENBLAS_THREAD_TIMEOUT=20"}, []string{"-idle", "sleep"},
			[]string{"OMP_WAIT_POLICY=passive", "KMP_BLOCKTIME=50", "GOMP_SPINCOUNT=0", "OPENBLAS_THREAD_TIMEOUT=20", "OMP_NUM_THREADS=unset"}},
		{"user's wait policy", []string{"OMP_WAIT_POLICY=active"}, []string{"-idle", "sleep"},
			[]string{"OMP_WAIT_POLICY=active", "KMP_BLOCKTIME=unset", "GOMP_SPINCOUNT=unset", "OPENBLAS_THREAD_TIMEOUT=4", "OMP_NUM_THREADS=unset"}},
		{"default", nil, []string{"-idle", "default"},
			[]string{"OMP_WAIT_POLICY=unset", "KMP_BLOCKTIME=unset", "GOMP_SPINCOUNT=unset", "OPENBLAS_THREAD_TIMEOUT=unset", "OMP_NUM_THREADS=1"}},
		{"no flag", nil, nil,
			[]string{"OMP_WAIT_POLICY=unset", "KMP_BLOCKTIME=unset", "GOMP_SPINCOUNT=unset", "OPENBLAS_THREAD_TIMEOUT=unset", "OMP_NUM_THREADS=1"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			// The test's own environment must not decide the outcome
			// (t.Setenv restores what os.Unsetenv removes).
			for _, k := range []string{"OMP_WAIT_POLICY", "KMP_BLOCKTIME", "GOMP_SPINCOUNT", "OPENBLAS_THREAD_TIMEOUT", "OMP_NUM_THREADS"} {
				t.Setenv(k, "")
				os.Unsetenv(k)
			}
			stdout, stderr, code := runCommand(t, c.env, append(append([]string{"exec"}, c.args...), "--", "sh", "-c", script)...)
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			if got := strings.Fields(stdout); !slices.Equal(got, c.want) {
				t.Errorf("the program saw\n%q\nwant\n%q", got, c.want)
			}
		})
	}
	_, stderr, code := runCommand(t, nil, "exec", "-idle", "spin", "--", "true")
	if code != 2 || !strings.Contains(stderr, "-idle must be sleep or default") {
		t.Errorf("-idle spin: exit %d, stderr %q", code, stderr)
	}
}
