// Command modproxy writes a file-based module proxy that serves the root
// module of a git repository at the given revisions, as a module proxy
// serves them once the repository is published: for each revision the
// version (its semantic-version tag, else its pseudo-version), the .info,
// the go.mod and the module zip, made by golang.org/x/mod/zip from the
// repository at that commit (sub-directories with a go.mod of their own
// left out). A go command given GOPROXY=file://DIR,... then resolves the
// module at those versions from this repository's history alone.
//
// Usage:
//
//	modproxy [-repo DIR] [-out DIR] REV...
//
// It prints one line per revision: the module path and its version.
// Without -out it only prints them.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("modproxy: ")
	repo := flag.String("repo", ".", "a directory inside the git repository")
	out := flag.String("out", "", "the proxy directory to write (GOPROXY=file://DIR); empty: print the versions only")
	flag.Usage = func() {
		fmt.Fprintln(flag.CommandLine.Output(), "usage: modproxy [-repo DIR] [-out DIR] REV...")
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
		c, err := resolve(root, rev)
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
