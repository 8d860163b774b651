package libtest

import (
	"cmp"
	"os"
	"runtime"
	"slices"
	"strings"
)

// LibDir is where Debian installs this architecture's libraries.
var LibDir = map[string]string{"amd64": "/usr/lib/x86_64-linux-gnu/", "arm64": "/usr/lib/aarch64-linux-gnu/"}[runtime.GOARCH]

const arm = "/usr/lib/aarch64-linux-gnu/"

// armUnpacked is where scripts/install-arm64.sh unpacks the arm64 packages
// that cannot be installed beside their amd64 twins (LLVM's libomp5-14:
// both own /usr/lib/llvm-14/lib/libomp.so.5): BLASCTL_ARM64_DIR, by default
// /var/cache/blasctl/arm64.
var armUnpacked = cmp.Or(os.Getenv("BLASCTL_ARM64_DIR"), "/var/cache/blasctl/arm64")

// arm64Builds are Debian 12's arm64 builds that scripts/install-arm64.sh
// installs (multiarch) or unpacks (libomp), run under qemu-user by the arm64
// leg: the amd64 rows of the same packages, from the arm64 directories.
// Debian ships no MKL for arm64, and the arm64 leg runs neither the serial,
// the 64-bit OpenBLAS nor the OpenMP BLIS.
var arm64Builds = arm64From(debian12Builds, "openblas-pthread", "openblas-openmp", "blis-pthread", "libgomp", "libomp")

func arm64From(amd64 []Build, names ...string) []Build {
	var out []Build
	for _, b := range amd64 {
		if !slices.Contains(names, b.Name) {
			continue
		}
		b.Load = slices.Clone(b.Load)
		for i, p := range b.Load {
			b.Load[i] = arm + strings.TrimPrefix(p, lib)
		}
		b.Package += ":arm64"
		if b.Name == "libomp" {
			b.Load = []string{armUnpacked + "/libomp5-14/usr/lib/llvm-14/lib/libomp.so.5"}
			b.Package += ", unpacked"
		}
		out = append(out, b)
	}
	return out
}

// installer names the script that installs this architecture's rows.
var installer = map[bool]string{false: "scripts/install-deps.sh", true: "scripts/install-arm64.sh"}[runtime.GOARCH == "arm64"]

func init() {
	if runtime.GOARCH == "arm64" {
		Builds = arm64Builds
	}
}
