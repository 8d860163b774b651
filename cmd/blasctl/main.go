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
	"fmt"
	"io"
	"os"
)

// commands maps each subcommand to its entry point, which returns the exit
// status.
var commands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"info": runInfo,
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "blasctl: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return cmd(args[1:], stdout, stderr)
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: blasctl <command> [flags]

commands:
  info    list the BLAS and OpenMP libraries blasctl finds, with their thread counts
`)
	for _, extra := range extraUsage {
		fmt.Fprint(w, extra)
	}
	fmt.Fprint(w, "\nrun 'blasctl <command> -h' for a command's flags\n")
}

// extraUsage holds the usage lines of commands registered by other files.
var extraUsage []string
