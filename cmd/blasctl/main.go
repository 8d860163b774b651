// Command blasctl reports the BLAS and OpenMP libraries a process has
// loaded, and their thread counts.
//
//	blasctl info [-json] [-load NAME_OR_PATH]...
//
// blasctl info loads libraries into its own process first (the -load names,
// or by default whichever of the system's libopenblas.so.0, libblas.so.3 and
// libmkl_rt.so exist), then prints what the blasctl library finds. Loading is
// this command's behaviour only: the library never loads anything.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// command is one subcommand: its entry point returns the exit status.
type command struct {
	name, summary string
	run           func(args []string, stdout, stderr io.Writer) int
}

// commands is every subcommand, in the order usage lists them.
var commands = []command{
	{"info", "list the BLAS and OpenMP libraries blasctl finds, with their thread counts", runInfo},
	{"exec", "run a program with every BLAS and OpenMP thread (or idle) variable set: blasctl exec [-n N] [-idle sleep] -- CMD ARGS...", runExec},
	{"bench", "measure dgemm throughput of G goroutines: library default, WithThreads(1) per goroutine, WithFairShare per call", runBench},
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "blasctl: unknown command %q\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprint(w, "usage: blasctl <command> [flags]\n\ncommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-7s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, "\nrun 'blasctl <command> -h' for a command's flags\n")
}

// usageFunc returns a FlagSet's Usage: the synopsis line, then the flags.
func usageFunc(fs *flag.FlagSet, synopsis string) func() {
	return func() {
		fmt.Fprintf(fs.Output(), "usage: %s\n\nflags:\n", synopsis)
		fs.PrintDefaults()
	}
}

// parseFlags parses a command's flags. -h or -help prints the command's
// usage to stdout and ends it with status 0; a bad flag prints the error
// and the usage to stderr and ends it with status 2. Usage funcs print to
// fs.Output().
func parseFlags(fs *flag.FlagSet, args []string, stdout, stderr io.Writer) (status int, done bool) {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(stdout)
		fs.Usage()
		return 0, true
	case err != nil:
		fs.SetOutput(stderr)
		fmt.Fprintf(stderr, "blasctl %s: %v\n", fs.Name(), err)
		fs.Usage()
		return 2, true
	}
	fs.SetOutput(stderr)
	return 0, false
}
