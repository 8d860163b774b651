package libtest

import (
	"cmp"
	"os"
	"os/exec"
	"runtime"
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
// leg. Debian ships no MKL for arm64.
var arm64Builds = []Build{
	{Name: "openblas-pthread", Load: []string{arm + "openblas-pthread/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "pthreads", Scope: "process",
		Probe: "openblas_get_num_threads", Setter: "openblas_set_num_threads", Package: "libopenblas0-pthread:arm64"},
	{Name: "openblas-openmp", Load: []string{arm + "openblas-openmp/libopenblas.so.0"},
		InternalAPI: "openblas", Layer: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Shared: "openblas_get_num_threads",
		Package: "libopenblas0-openmp:arm64"},
	{Name: "blis-pthread", Load: []string{arm + "blis-pthread/libblis.so.4"},
		InternalAPI: "blis", Layer: "pthreads", Scope: "process", Applies: blisUnset,
		Probe: "bli_thread_get_num_threads", Setter: "bli_thread_set_num_threads", Package: "libblis4-pthread:arm64"},
	{Name: "libgomp", Load: []string{arm + "libgomp.so.1"}, Layer: "gnu",
		InternalAPI: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Package: "libgomp1:arm64"},
	{Name: "libomp", Load: []string{armUnpacked + "/libomp5-14/usr/lib/llvm-14/lib/libomp.so.5"}, Layer: "llvm",
		InternalAPI: "openmp", Scope: "current_thread",
		Probe: "omp_get_max_threads", Setter: "omp_set_num_threads", Package: "libomp5-14:arm64, unpacked"},
}

// installer names the script that installs this architecture's rows.
var installer = map[bool]string{false: "scripts/install-deps.sh", true: "scripts/install-arm64.sh"}[runtime.GOARCH == "arm64"]

func init() {
	if runtime.GOARCH == "arm64" {
		Builds = arm64Builds
	}
}

// ExecEnv names a program that runs this test binary's children (for the
// arm64 leg on an amd64 machine: qemu-aarch64-static), as go test -exec
// runs the binary itself. Unset, children run directly.
const ExecEnv = "BLASCTL_TEST_EXEC"

// Command is exec.Command for a child of this test binary: through the
// program ExecEnv names, if any.
func Command(args ...string) *exec.Cmd {
	if wrapper := os.Getenv(ExecEnv); wrapper != "" {
		return exec.Command(wrapper, append([]string{os.Args[0]}, args...)...)
	}
	return exec.Command(os.Args[0], args...)
}
