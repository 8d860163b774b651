package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/blasctl/blasctl"
)

// multiFlag collects a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func runInfo(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("info", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print threadpoolctl-compatible JSON")
	var loads multiFlag
	fs.Var(&loads, "load", "dlopen this library `name or path` first (repeatable); default: the system's BLAS")
	fs.Usage = usageFunc(fs, "blasctl info [-json] [-load NAME_OR_PATH]...")
	if status, done := parseFlags(fs, args, stdout, stderr); done {
		return status
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "blasctl info: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if len(loads) > 0 {
		for _, name := range loads {
			if err := load(name); err != nil {
				fmt.Fprintf(stderr, "blasctl info: %v\n", err)
				return 1
			}
		}
	} else if loaded := loadSystemBLAS(); len(loaded) == 0 {
		fmt.Fprintln(stderr, "blasctl info: no BLAS library is installed (looked for "+strings.Join(defaultBLAS, ", ")+").")
		fmt.Fprintln(stderr, "Install OpenBLAS with: sudo apt-get install -y libopenblas0-pthread")
		return 1
	}
	libs, err := blasctl.Libraries()
	if err != nil {
		fmt.Fprintf(stderr, "blasctl info: %v\n", err)
		return 1
	}
	printMKLLayer(stderr, libs)
	if mixed := blasctl.MixedOpenMP(libs); mixed != nil {
		fmt.Fprintln(stderr, "blasctl info: warning: several OpenMP runtimes are loaded; each keeps its own thread pool, which oversubscribes the CPUs and is a known cause of crashes:")
		for _, l := range mixed {
			fmt.Fprintf(stderr, "  %s (%s)\n", l.Filepath, l.ThreadingLayer)
		}
	}
	printThreadUnsafe(stderr, libs)
	if *asJSON {
		if libs == nil {
			libs = []blasctl.Library{}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(libs); err != nil {
			fmt.Fprintf(stderr, "blasctl info: %v\n", err)
			return 1
		}
		return 0
	}
	printTable(stdout, libs)
	return 0
}

// printTable writes one row per library, "-" for unknown values.
func printTable(w io.Writer, libs []blasctl.Library) {
	if len(libs) == 0 {
		fmt.Fprintln(w, "no controllable BLAS or OpenMP library is loaded")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "USER API\tINTERNAL API\tVERSION\tTHREADING\tARCHITECTURE\tTHREADS\tSCOPE\tIDLE\tFILE")
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	for _, l := range libs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", l.UserAPI, l.InternalAPI, dash(l.Version),
			dash(l.ThreadingLayer), dash(l.Architecture), l.NumThreads, l.Scope, dash(l.Idle), l.Filepath)
	}
	tw.Flush()
}

// printThreadUnsafe warns of each library that is not safe to call from
// several threads at once (Library.ThreadUnsafe), and says what to do.
func printThreadUnsafe(w io.Writer, libs []blasctl.Library) {
	for _, l := range libs {
		if !l.ThreadUnsafe {
			continue
		}
		name := l.InternalAPI
		if l.Version != "" {
			name += " " + l.Version
		}
		fmt.Fprintf(w, "blasctl info: warning: %s (%s) is not safe to call from several threads at once: "+
			"calls that run together can give wrong results. Serialize your calls into it (Go: blasctl.CallGuard; "+
			"blasgonum does it), or use a threaded build or one built with USE_LOCKING=1 "+
			"(Debian: libopenblas0-pthread).\n", l.Filepath, name)
	}
}
