package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

func init() {
	commands["exec"] = runExec
	extraUsage = append(extraUsage,
		"  exec    run a program with every BLAS and OpenMP thread variable set: blasctl exec -n N -- CMD ARGS...\n")
}

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
	fs.SetOutput(stderr)
	n := fs.Int("n", 1, "thread `count` for every library")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: blasctl exec [-n N] -- CMD [ARGS...]")
		fmt.Fprintln(stderr, "\nruns CMD in place of blasctl with these variables set to N:")
		for _, kv := range threadVars(0) {
			fmt.Fprintln(stderr, "  "+kv[:strings.IndexByte(kv, '=')])
		}
		fmt.Fprintln(stderr, "and "+strings.Join(overridingVars, ", ")+" removed; its exit status and signals are its own.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *n < 1 {
		fmt.Fprintf(stderr, "blasctl exec: -n must be at least 1, got %d\n", *n)
		return 2
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	path, err := exec.LookPath(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "blasctl exec: %v\n", err)
		return 127
	}
	// Replace this process: the program gets blasctl's pid, so signals sent
	// to it reach the program and its exit status is the one the caller sees.
	err = syscall.Exec(path, fs.Args(), execEnv(os.Environ(), *n))
	fmt.Fprintf(stderr, "blasctl exec: %s: %v\n", path, err)
	return 126
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
