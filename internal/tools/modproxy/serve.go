package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	modzip "golang.org/x/mod/zip"
)

// serve writes c into the proxy directory out, in the layout of the
// module proxy protocol: $out/<escaped path>/@v/{list,<v>.info,<v>.mod,<v>.zip},
// and $out/<escaped path>/@latest, the .info of the highest version served,
// which the go command asks for when the list holds no release.
func serve(out, root string, c commit) error {
	escPath, err := module.EscapePath(c.path)
	if err != nil {
		return err
	}
	escVersion, err := module.EscapeVersion(c.version)
	if err != nil {
		return err
	}
	dir := filepath.Join(out, filepath.FromSlash(escPath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, escVersion)
	info, err := json.Marshal(struct {
		Version string
		Time    string
	}{c.version, c.time.Format("2006-01-02T15:04:05Z")})
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".info", info, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".mod", c.gomod, 0o644); err != nil {
		return err
	}
	if err := writeZip(base+".zip", root, c); err != nil {
		return err
	}
	latest, err := addToList(filepath.Join(dir, "list"), c.version)
	if err != nil {
		return err
	}
	escLatest, err := module.EscapeVersion(latest)
	if err != nil {
		return err
	}
	b, err := os.ReadFile(filepath.Join(dir, escLatest+".info"))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(filepath.Dir(dir), "@latest"), b, 0o644)
}

// writeZip writes the module zip of c to name, through a temporary file so
// that a failure leaves no partial zip behind.
func writeZip(name, root string, c commit) error {
	f, err := os.CreateTemp(filepath.Dir(name), ".zip-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	err = modzip.CreateFromVCS(f, module.Version{Path: c.path, Version: c.version}, root, c.hash, c.dir)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}

// addToList adds version to the proxy's list file of the module, which
// holds one version a line, in semantic-version order, and returns the
// highest version listed.
func addToList(list, version string) (latest string, err error) {
	b, err := os.ReadFile(list)
	if err != nil && !os.IsNotExist(err) {
		return "", err
	}
	versions := strings.Fields(string(b))
	if !slices.Contains(versions, version) {
		versions = append(versions, version)
	}
	semver.Sort(versions)
	latest = versions[len(versions)-1]
	return latest, os.WriteFile(list, []byte(strings.Join(versions, "\n")+"\n"), 0o644)
}
