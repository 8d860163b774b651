package main

import (
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// commit is one revision of the repository's root module, as a module
// proxy names it.
type commit struct {
	hash    string    // the full commit hash
	time    time.Time // the committer time, UTC
	path    string    // the module path in the root go.mod at the commit
	gomod   []byte    // the root go.mod at the commit
	version string    // the tag where rev is one, else the pseudo-version
}

// resolve reads rev (a commit, branch or tag) in the repository at root.
// A rev that is a semantic-version tag keeps its name as the version;
// any other is named by its pseudo-version, as the go command names it:
// v0.0.0-<UTC commit time>-<12 hex digits> before the first tag, built on
// the last tag the commit contains after it.
func resolve(root, rev string) (commit, error) {
	line, err := gitOutput(root, "show", "-s", "--format=%H %ct", rev+"^{commit}")
	if err != nil {
		return commit{}, err
	}
	hash, unix, ok := strings.Cut(line, " ")
	sec, perr := strconv.ParseInt(unix, 10, 64)
	if !ok || perr != nil || len(hash) < 12 {
		return commit{}, fmt.Errorf("git show %s: unexpected %q", rev, line)
	}
	gomod, err := gitBytes(root, "show", hash+":go.mod")
	if err != nil {
		return commit{}, err
	}
	path := modfile.ModulePath(gomod)
	if path == "" {
		return commit{}, fmt.Errorf("%s: go.mod names no module", rev)
	}
	c := commit{hash: hash, time: time.Unix(sec, 0).UTC(), path: path, gomod: gomod}
	if isTag(root, rev) {
		c.version = rev
		return c, nil
	}
	older, err := lastTag(root, hash)
	if err != nil {
		return commit{}, err
	}
	c.version = module.PseudoVersion("", older, c.time, hash[:12])
	return c, nil
}

// lastTag returns the highest semantic-version tag of the root module
// (v0.N.M, not a sub-module's cmd/blasctl/v0.N.M) that the commit hash
// contains, or "" where there is none: the base of its pseudo-version
// (v0.0.0-... without a tag, v0.N.M+1-0.... after v0.N.M).
func lastTag(root, hash string) (string, error) {
	out, err := gitOutput(root, "tag", "--merged", hash, "--list", "v[0-9]*")
	if err != nil {
		return "", err
	}
	last := ""
	for _, tag := range strings.Fields(out) {
		if semver.IsValid(tag) && semver.Canonical(tag) == tag && semver.Compare(tag, last) > 0 {
			last = tag
		}
	}
	return last, nil
}

// isTag reports whether rev is a semantic-version tag of the repository,
// the name a release of the root module has.
func isTag(root, rev string) bool {
	if !semver.IsValid(rev) || semver.Canonical(rev) != rev {
		return false
	}
	_, err := gitOutput(root, "rev-parse", "--verify", "--quiet", "refs/tags/"+rev)
	return err == nil
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
