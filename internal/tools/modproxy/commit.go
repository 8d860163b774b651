package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// commit is one revision of a module of the repository, as a module proxy
// names it.
type commit struct {
	dir     string    // the module's directory in the repository, "" for the root
	hash    string    // the full commit hash
	time    time.Time // the committer time, UTC
	path    string    // the module path in the module's go.mod at the commit
	gomod   []byte    // the module's go.mod at the commit
	version string    // the tag where rev is one, else the pseudo-version
}

// resolve reads rev (a commit, branch or tag, read in the work tree repo)
// of the module in directory dir ("" for the root) of the repository. A
// rev that is a tag of the module (v0.N.M at the root, dir/v0.N.M for a
// sub-module) is named by its version; any other by its pseudo-version, as
// the go command names it: v0.0.0-<UTC commit time>-<12 hex digits> before
// the module's first tag, built on the last tag the commit contains after.
func resolve(repo, dir, rev string) (commit, error) {
	line, err := gitOutput(repo, "show", "-s", "--format=%H %ct", rev+"^{commit}")
	if err != nil {
		return commit{}, err
	}
	hash, unix, ok := strings.Cut(line, " ")
	sec, perr := strconv.ParseInt(unix, 10, 64)
	if !ok || perr != nil || len(hash) < 12 {
		return commit{}, fmt.Errorf("git show %s: unexpected %q", rev, line)
	}
	gomod, err := gitBytes(repo, "show", hash+":"+path.Join(dir, "go.mod"))
	if err != nil {
		return commit{}, err
	}
	modPath := modfile.ModulePath(gomod)
	if modPath == "" {
		return commit{}, fmt.Errorf("%s: %s names no module", rev, path.Join(dir, "go.mod"))
	}
	c := commit{dir: dir, hash: hash, time: time.Unix(sec, 0).UTC(), path: modPath, gomod: gomod}
	if v, ok := tagVersion(repo, dir, rev); ok {
		c.version = v
		return c, nil
	}
	older, err := lastTag(repo, dir, hash)
	if err != nil {
		return commit{}, err
	}
	c.version = module.PseudoVersion("", older, c.time, hash[:12])
	return c, nil
}

// lastTag returns the highest version among the tags of the module in dir
// (v0.N.M at the root, not a sub-module's cmd/blasctl/v0.N.M) that the
// commit hash contains, or "" where there is none: the base of its
// pseudo-version (v0.0.0-... without a tag, v0.N.M+1-0.... after v0.N.M).
func lastTag(repo, dir, hash string) (string, error) {
	out, err := gitOutput(repo, "tag", "--merged", hash, "--list", tagPrefix(dir)+"v[0-9]*")
	if err != nil {
		return "", err
	}
	last := ""
	for _, tag := range strings.Fields(out) {
		v := strings.TrimPrefix(tag, tagPrefix(dir))
		if semver.IsValid(v) && semver.Canonical(v) == v && semver.Compare(v, last) > 0 {
			last = v
		}
	}
	return last, nil
}

// tagPrefix returns the prefix of the tags of the module in dir: "" at
// the root, "dir/" for a sub-module (cmd/blasctl/v0.N.M).
func tagPrefix(dir string) string {
	if dir == "" {
		return ""
	}
	return dir + "/"
}

// tagVersion returns the version that rev names where rev is a tag of the
// module in dir: a release of it.
func tagVersion(repo, dir, rev string) (string, bool) {
	v, ok := strings.CutPrefix(rev, tagPrefix(dir))
	if !ok || !semver.IsValid(v) || semver.Canonical(v) != v {
		return "", false
	}
	_, err := gitOutput(repo, "rev-parse", "--verify", "--quiet", "refs/tags/"+rev)
	return v, err == nil
}

// repoRoot returns the directory whose .git holds the objects of the
// repository that dir is in: the work tree of a clone, or the main work
// tree of a linked one (git worktree), which is where
// golang.org/x/mod/zip.CreateFromVCS runs git archive.
func repoRoot(dir string) (string, error) {
	common, err := gitOutput(dir, "rev-parse", "--path-format=absolute", "--git-common-dir")
	if err != nil {
		return "", err
	}
	if filepath.Base(common) != ".git" {
		return "", fmt.Errorf("%s: the git directory %s is not a work tree's .git", dir, common)
	}
	return filepath.Dir(common), nil
}

// gitOutput runs git in dir and returns its output without the trailing
// newline.
func gitOutput(dir string, args ...string) (string, error) {
	b, err := gitBytes(dir, args...)
	return strings.TrimSuffix(string(b), "\n"), err
}

// gitBytes runs git in dir and returns its output.
func gitBytes(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, bytes.TrimSpace(stderr.Bytes()))
	}
	return out, nil
}
