package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
)

// threadVars returns the environment variables that set the thread count
// of the libraries blasctl knows, each set to n, as they read them at
// start-up. OpenMP runtimes (libgomp, libomp), and the BLAS libraries that
// thread through them (OpenBLAS's OpenMP build, MKL's GNU and Intel layers,
// BLIS's OpenMP build, NVPL, Arm PL, FlexiBLAS's backends) follow
// OMP_NUM_THREADS.
func threadVars(n int) []string {
	v := strconv.Itoa(n)
	return []string{
		"OMP_NUM_THREADS=" + v,
		"OPENBLAS_NUM_THREADS=" + v, // OpenBLAS, pthreads build
		"GOTO_NUM_THREADS=" + v,     // OpenBLAS's older name, still read
		"MKL_NUM_THREADS=" + v,
		"MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_ALL=" + v, // overrides MKL_NUM_THREADS when set
		"BLIS_NUM_THREADS=" + v,
		"VECLIB_MAXIMUM_THREADS=" + v, // Apple Accelerate
	}
}

// overridingVars would override the counts above; they are removed.
var overridingVars = []string{"BLIS_JC_NT", "BLIS_PC_NT", "BLIS_IC_NT", "BLIS_JR_NT", "BLIS_IR_NT"}

func runExec(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("exec", flag.ContinueOnError)
	n := fs.Int("n", 1, "thread `count` for every library")
	idle := fs.String("idle", "", "`sleep`: worker threads sleep as soon as a call returns (default: each library's own behaviour)")
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintln(w, "usage: blasctl exec [-n N] [-idle sleep] -- CMD [ARGS...]")
		fmt.Fprintln(w, "\nruns CMD in place of blasctl with these variables set to N:")
		for _, kv := range threadVars(0) {
			fmt.Fprintln(w, "  "+kv[:strings.IndexByte(kv, '=')])
		}
		fmt.Fprintln(w, "and "+strings.Join(overridingVars, ", ")+" removed; its exit status and signals are its own.")
		fmt.Fprintln(w, "N is capped as blasctl.WithThreads caps it: at the larger of the CPU count and the")
		fmt.Fprintln(w, "largest count these variables already hold. A CMD that is not found exits 127, one")
		fmt.Fprintln(w, "that cannot be run 126, as in a shell.")
		fmt.Fprintln(w, "\n-idle sleep makes every library's worker threads sleep as soon as a call returns,")
		fmt.Fprintln(w, "instead of spinning on a CPU for the next call, by setting:")
		for _, v := range idleVars {
			fmt.Fprintf(w, "  %s=%s\n", v.name, v.value)
		}
		fmt.Fprintln(w, "A variable the environment already sets wins, as the explicit choice; an")
		fmt.Fprintln(w, "OMP_WAIT_POLICY it sets also keeps out KMP_BLOCKTIME and GOMP_SPINCOUNT, which")
		fmt.Fprintln(w, "would override it. MKL reads none of its own: its Intel layer waits as its OpenMP")
		fmt.Fprintln(w, "runtime (libiomp5) does. With -idle and no -n, the thread variables stay as they are.")
		fs.PrintDefaults()
	}
	if status, done := parseFlags(fs, args, stdout, stderr); done {
		return status
	}
	sleep, err := parseIdle(*idle)
	if err != nil {
		fmt.Fprintf(stderr, "blasctl exec: %v\n", err)
		return 2
	}
	if *n < 1 {
		fmt.Fprintf(stderr, "blasctl exec: -n must be at least 1, got %d\n", *n)
		return 2
	}
	if fs.NArg() == 0 {
		fs.SetOutput(stderr)
		fs.Usage()
		return 2
	}
	// -idle alone is for a program's own thread counts: -n applies when
	// given, or when -idle is not.
	setThreads := !sleep
	fs.Visit(func(f *flag.Flag) { setThreads = setThreads || f.Name == "n" })
	if c := execCap(os.Environ()); setThreads && *n > c {
		fmt.Fprintf(stderr, "blasctl exec: -n %d capped at %d (the CPU count, or a larger count already set), as blasctl.WithThreads caps it\n", *n, c)
		*n = c
	}
	path, err := exec.LookPath(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "blasctl exec: %v\n", err)
		if errors.Is(err, iofs.ErrPermission) {
			return 126 // found, but not executable
		}
		return 127
	}
	env := os.Environ()
	if setThreads {
		env = execEnv(env, *n)
	}
	if sleep {
		env = idleEnv(env)
	}
	return runProgram(path, fs.Args(), env, stderr)
}

// execCap is the largest -n exec passes on: the CPU count, or the largest
// count a thread variable of env already holds if that is larger. It is the
// cap blasctl.WithThreads applies to each library (more threads than CPUs
// only oversubscribe, and several libraries keep every thread a count
// starts), with the environment standing for the count from before.
func execCap(env []string) int {
	c := runtime.NumCPU()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		for _, tv := range threadVars(0) {
			if tv[:strings.IndexByte(tv, '=')] == k {
				v = v[strings.LastIndexByte(v, '=')+1:] // MKL_DOMAIN_ALL=8
				if n, err := strconv.Atoi(v); err == nil && n > c {
					c = n
				}
			}
		}
	}
	return c
}

// execEnv returns env with the thread variables set to n.
func execEnv(env []string, n int) []string {
	set := threadVars(n)
	drop := map[string]bool{}
	for _, kv := range set {
		drop[kv[:strings.IndexByte(kv, '=')]] = true
	}
	for _, k := range overridingVars {
		drop[k] = true
	}
	out := make([]string, 0, len(env)+len(set))
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}
