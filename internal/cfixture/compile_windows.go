//go:build windows

package cfixture

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Under Wine the cross compiler is a Linux program, which a Windows process
// cannot run and wait for. scripts/wine-exec.sh (the leg's go test -exec
// wrapper) serves compiles from a spool directory, SpoolEnv, a Linux path
// that Wine shows as drive Z:: a request is the working directory and the
// arguments, NUL-separated, in ID.req; the answer is the compiler's output
// in ID.out and its exit status in ID.rc. Paths are translated to Linux
// ones (Z: is /, C: the prefix's drive_c). Without SpoolEnv (Windows
// itself), the compiler runs directly.

// SpoolEnv names the spool directory scripts/wine-exec.sh serves.
const SpoolEnv = "BLASCTL_CC_SPOOL"

func haveCompiler(cc string) bool {
	if os.Getenv(SpoolEnv) != "" {
		return true // the wrapper checked it
	}
	_, err := exec.LookPath(cc)
	return err == nil
}

func compile(tb testing.TB, cc string, args []string) ([]byte, error) {
	spool := os.Getenv(SpoolEnv)
	if spool == "" {
		return exec.Command(cc, args...).CombinedOutput()
	}
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	req := []string{unixPath(wd)}
	for _, a := range args {
		req = append(req, unixPath(a))
	}
	id := make([]byte, 8)
	_, _ = rand.Read(id)
	base := filepath.Join(winPath(spool), hex.EncodeToString(id))
	if err := os.WriteFile(base+".tmp", []byte(strings.Join(req, "\x00")+"\x00"), 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(base+".tmp", base+".req"); err != nil {
		return nil, err
	}
	// The server answers in well under a second; five minutes means it
	// is not running.
	for deadline := time.Now().Add(5 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		rc, err := os.ReadFile(base + ".rc")
		if err != nil {
			continue
		}
		out, _ := os.ReadFile(base + ".out")
		os.Remove(base + ".rc")
		os.Remove(base + ".out")
		code, err := strconv.Atoi(string(bytes.TrimSpace(rc)))
		if err != nil || code != 0 {
			return out, fmt.Errorf("compiler exit status %q", bytes.TrimSpace(rc))
		}
		return out, nil
	}
	tb.Helper()
	return nil, errors.New("no answer from the compile server of scripts/wine-exec.sh in " + spool)
}

// outDir is a fresh directory for one fixture. Windows cannot delete a
// DLL that is loaded, and the test that built one usually still has it
// loaded when it ends (tb.TempDir's cleanup would then fail the test): the
// directory is made in the spool, which scripts/wine-exec.sh removes after
// the test binary ends, and its own removal at the end of tb is only tried.
func outDir(tb testing.TB) string {
	base := os.TempDir()
	if spool := os.Getenv(SpoolEnv); spool != "" {
		base = winPath(spool)
	}
	dir, err := os.MkdirTemp(base, "fixture")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// winPath is a Linux path as Wine shows it (drive Z: is /).
func winPath(p string) string { return `Z:` + strings.ReplaceAll(p, "/", `\`) }

// unixPath is a Windows absolute path as Linux sees it under Wine: Z: is
// /, C: the prefix's drive_c. Anything else is returned as it is.
func unixPath(p string) string {
	if len(p) < 3 || p[1] != ':' || (p[2] != '\\' && p[2] != '/') {
		return p
	}
	rest := strings.ReplaceAll(p[3:], `\`, "/")
	switch p[0] | 0x20 {
	case 'z':
		return "/" + rest
	case 'c':
		if prefix := os.Getenv("WINEPREFIX"); prefix != "" {
			return prefix + "/drive_c/" + rest
		}
	}
	return p
}
