package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGeneratedFilesAreFresh regenerates the wrapper and its test double
// from the gonum this module builds with and compares them with the files
// in the repository: a gonum upgrade that changes the interfaces fails
// here until go generate is run.
func TestGeneratedFilesAreFresh(t *testing.T) {
	src, err := gonumBLAS()
	if err != nil {
		t.Fatal(err)
	}
	files, err := generate(src)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 {
		t.Fatalf("generated %d files, want 2", len(files))
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what gen writes from gonum's interfaces: run go generate in blasgonum", name)
		}
	}
}
