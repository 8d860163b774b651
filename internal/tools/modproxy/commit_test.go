package main

import (
	"archive/zip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// gitRepo makes a repository with a root module (path example.com/m), a
// sub-module in sub/ and two commits at fixed times; the first is tagged
// v0.1.0 and sub/v0.1.0. It returns the repository and the two hashes.
func gitRepo(t *testing.T) (dir, first, second string) {
	t.Helper()
	dir = t.TempDir()
	git := func(env []string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@t", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@t")
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	write := func(name, text string) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	commit := func(when string) string {
		t.Helper()
		git(nil, "add", "-A")
		git([]string{"GIT_COMMITTER_DATE=" + when, "GIT_AUTHOR_DATE=" + when}, "commit", "-q", "-m", "c")
		return git(nil, "rev-parse", "HEAD")[:40]
	}
	git(nil, "init", "-q")
	write("go.mod", "module example.com/m\n\ngo 1.25.0\n")
	write("m.go", "package m\n")
	write("sub/go.mod", "module example.com/m/sub\n")
	write("sub/s.go", "package sub\n")
	first = commit("2026-12-04T05:00:32+01:00")
	git(nil, "tag", "v0.1.0")
	git(nil, "tag", "sub/v0.1.0")
	write("n.go", "package m\n")
	second = commit("2026-12-05T01:02:03+00:00")
	return dir, first, second
}

func TestResolve(t *testing.T) {
	dir, first, second := gitRepo(t)
	for _, tc := range []struct{ rev, want string }{
		{"v0.1.0", "v0.1.0"},
		{first, "v0.1.1-0.20261204040032-" + first[:12]},
		{second, "v0.1.1-0.20261205010203-" + second[:12]},
	} {
		c, err := resolve(dir, "", tc.rev)
		if err != nil {
			t.Fatal(err)
		}
		if c.version != tc.want || c.path != "example.com/m" {
			t.Errorf("resolve(%s) = %s %s, want example.com/m %s", tc.rev, c.path, c.version, tc.want)
		}
	}
}

func TestResolveUntagged(t *testing.T) {
	dir, first, _ := gitRepo(t)
	if out, err := exec.Command("git", "-C", dir, "tag", "-d", "v0.1.0").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	c, err := resolve(dir, "", first)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v0.0.0-20261204040032-" + first[:12]; c.version != want {
		t.Errorf("version %s, want %s", c.version, want)
	}
}

func TestServe(t *testing.T) {
	dir, _, second := gitRepo(t)
	c, err := resolve(dir, "", second)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	if err := serve(out, dir, c); err != nil {
		t.Fatal(err)
	}
	base := filepath.Join(out, "example.com", "m", "@v", c.version)
	names := zipNames(t, base+".zip")
	prefix := "example.com/m@" + c.version + "/"
	if want := []string{prefix + "go.mod", prefix + "m.go", prefix + "n.go"}; !slices.Equal(names, want) {
		t.Errorf("zip holds %q, want %q (the sub-module left out)", names, want)
	}
	for ext, want := range map[string]string{
		".info": `{"Version":"` + c.version + `","Time":"2026-12-05T01:02:03Z"}`,
		".mod":  "module example.com/m\n\ngo 1.25.0\n",
	} {
		if b, err := os.ReadFile(base + ext); err != nil || string(b) != want {
			t.Errorf("%s: %q, %v; want %q", ext, b, err, want)
		}
	}
	list, err := os.ReadFile(filepath.Join(out, "example.com", "m", "@v", "list"))
	if err != nil || string(list) != c.version+"\n" {
		t.Errorf("list: %q, %v", list, err)
	}
}

func TestSubModule(t *testing.T) {
	dir, first, second := gitRepo(t)
	c, err := resolve(dir, "sub", "sub/v0.1.0")
	if err != nil {
		t.Fatal(err)
	}
	if c.path != "example.com/m/sub" || c.version != "v0.1.0" || c.hash != first {
		t.Errorf("resolve(sub/v0.1.0) = %s %s at %s, want example.com/m/sub v0.1.0 at %s", c.path, c.version, c.hash, first)
	}
	c, err = resolve(dir, "sub", second)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v0.1.1-0.20261205010203-" + second[:12]; c.version != want {
		t.Errorf("version %s, want %s", c.version, want)
	}
	out := t.TempDir()
	if err := serve(out, dir, c); err != nil {
		t.Fatal(err)
	}
	names := zipNames(t, filepath.Join(out, "example.com", "m", "sub", "@v", c.version+".zip"))
	prefix := "example.com/m/sub@" + c.version + "/"
	if want := []string{prefix + "go.mod", prefix + "s.go"}; !slices.Equal(names, want) {
		t.Errorf("zip holds %q, want %q", names, want)
	}
	latest, err := os.ReadFile(filepath.Join(out, "example.com", "m", "sub", "@latest"))
	if err != nil || !strings.Contains(string(latest), c.version) {
		t.Errorf("@latest: %q, %v; want the .info of %s", latest, err, c.version)
	}
}

// zipNames returns the sorted names of the files in the zip at path.
func zipNames(t *testing.T, path string) []string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	var names []string
	for _, f := range z.File {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return names
}
