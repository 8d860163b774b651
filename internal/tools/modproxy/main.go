// Command modproxy writes a file-based module proxy that serves a module
// of a git repository (the root module, or the one in -module DIR) at the
// given revisions, as a module proxy serves them once the repository is
// published: for each revision the version (its tag, else its
// pseudo-version), the .info, the go.mod and the module zip, made by
// golang.org/x/mod/zip from the repository at that commit (sub-directories
// with a go.mod of their own left out). A go command given
// GOPROXY=file://DIR,... then resolves the module at those versions from
// this repository's history alone.
//
// Usage:
//
//	modproxy [-repo DIR] [-module DIR] [-out DIR] REV...
//
// It prints one line per revision: the module path and its version.
// Without -out it only prints them.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path"
	"strings"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("modproxy: ")
	repo := flag.String("repo", ".", "a directory inside the git repository")
	dir := flag.String("module", "", "the module's directory in the repository (cmd/blasctl); empty: the root module")
	out := flag.String("out", "", "the proxy directory to write (GOPROXY=file://DIR); empty: print the versions only")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: modproxy [-repo DIR] [-module DIR] [-out DIR] REV...")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() == 0 {
		flag.Usage()
		os.Exit(2)
	}
	root, err := repoRoot(*repo)
	if err != nil {
		log.Fatal(err)
	}
	for _, rev := range flag.Args() {
		c, err := resolve(*repo, strings.Trim(path.Clean(*dir), "./"), rev)
		if err != nil {
			log.Fatal(err)
		}
		if *out != "" {
			if err := serve(*out, root, c); err != nil {
				log.Fatal(err)
			}
		}
		fmt.Println(c.path, c.version)
	}
}
