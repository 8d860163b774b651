package blasctl_test

import (
	"runtime"
	"slices"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
	"github.com/ebitengine/purego"
)

// Probes of MKL's counts per domain: a count set before blasctl for every
// domain or for one must be read as it applies, held under a limit and put
// back exactly.

// TestProbeMKLPresetAllDomains: a count set before blasctl for every MKL
// domain (by the environment, as "blasctl exec" sets it for a child, or by
// the program's own MKL_Domain_Set_Num_Threads) must come back exactly after
// Limit, and the read-back must read what MKL really runs. (Class: a
// verification that reads a cache instead of the library.)
func TestProbeMKLPresetAllDomains(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("MKL is built for amd64 only")
	}
	for _, c := range []struct{ name, env string }{
		{"mkl-env", "MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_ALL=1"},
		{"mkl-call", ""},
		{"mkl-env-num", "MKL_NUM_THREADS=1"},
	} {
		t.Run(c.name, func(t *testing.T) {
			env := []string{"MKL_THREADING_LAYER=GNU"}
			if c.env != "" {
				env = append(env, c.env)
			}
			if !probeChild(t, c.name, []string{libgomp, libmkl}, env...) {
				return
			}
			mklPresetAllChild(t, c.name == "mkl-call")
		})
	}
}

// mklPresetAllChild is TestProbeMKLPresetAllDomains in the child: MKL
// under its GNU layer, its count for all domains preset to 1 by the
// environment or, if call, by MKL_Domain_Set_Num_Threads now.
func mklPresetAllChild(t *testing.T, call bool) {
	libtest.Open(t, libgomp)
	h := libtest.Open(t, libmkl)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	getMax := bind(t, h, "MKL_Get_Max_Threads")
	if call {
		domainSet := libtest.Func(t, h, "MKL_Domain_Set_Num_Threads")
		purego.SyscallN(domainSet, 1, mklDomainAll)
	}
	if got := getMax(); got != 1 {
		t.Fatalf("the preset count reads %d, want 1: the probe proves nothing", got)
	}
	for _, n := range []int{1, 2} {
		restore, err := blasctl.Limit(n)
		if err != nil {
			t.Fatalf("Limit(%d): %v", n, err)
		}
		if got := getMax(); got > n {
			t.Errorf("inside Limit(%d) MKL runs %d", n, got)
		}
		if err := restore(); err != nil {
			t.Errorf("restore of Limit(%d): %v", n, err)
		}
		if got := getMax(); got != 1 {
			t.Errorf("after Limit(%d) and restore MKL runs %d threads, want the preset 1", n, got)
		}
	}
	if err := blasctl.WithThreads(2, func() {}); err != nil {
		t.Error(err)
	}
	if got := getMax(); got != 1 {
		t.Errorf("after WithThreads(2) MKL runs %d threads, want the preset 1", got)
	}
}

// MKL's domains, as MKL_Domain_Set_Num_Threads numbers them: the count
// for all of them, then BLAS, FFT, VML and PARDISO.
const mklDomainAll, mklDomainBLAS, mklDomainFFT, mklDomainVML, mklDomainPARDISO = 0, 1, 2, 3, 4

// mklDomainList is every domain, the count for all first.
var mklDomainList = []int{mklDomainAll, mklDomainBLAS, mklDomainFFT, mklDomainVML, mklDomainPARDISO}

// mklDomainPresets are the ways TestProbeMKLPresetDomains sets counts
// before blasctl: by MKL_DOMAIN_NUM_THREADS (env), or by the program's
// MKL_Domain_Set_Num_Threads (call: domain -> count).
var mklDomainPresets = []struct {
	name string
	env  string
	call map[int]int
}{
	{"env-blas", "MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_BLAS=2", nil},
	{"env-blas-1", "MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_BLAS=1", nil},
	{"env-all-blas", "MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_ALL=1,MKL_DOMAIN_BLAS=2", nil},
	{"env-fft-vml-pardiso", "MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_FFT=2,MKL_DOMAIN_VML=1,MKL_DOMAIN_PARDISO=2", nil},
	{"call", "", map[int]int{mklDomainBLAS: 2, mklDomainFFT: 1, mklDomainPARDISO: 2}},
}

// TestProbeMKLPresetDomains: MKL keeps a count per domain (BLAS, FFT, VML,
// PARDISO) beside the count for all of them, and a domain's own count wins
// over the count for all. A count set before blasctl for one domain, by
// MKL_DOMAIN_NUM_THREADS or by the program's MKL_Domain_Set_Num_Threads, must
// not outlast a Limit(1) on any thread, and must come back exactly: still
// the domain's own, still winning over a count for all set afterwards.
// (Class: a verification that reads another count than the one that
// applies.)
func TestProbeMKLPresetDomains(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("MKL is built for amd64 only")
	}
	for _, layer := range []string{"intel", "gnu"} {
		for _, c := range mklDomainPresets {
			t.Run(layer+"/"+c.name, func(t *testing.T) {
				if _, child := libtest.This(); !child {
					t.Parallel() // each child is a process of its own
				}
				load, env := mklLayer(t, layer)
				if c.env != "" {
					env = append(env, c.env)
				}
				if !probeChild(t, "mkl-domains-"+layer+"-"+c.name, load, env...) {
					return
				}
				mklDomainsChild(t, load, c.call)
			})
		}
	}
}

// mklLayer returns what a program running MKL under layer ("intel" or
// "gnu") loads, in order, and the environment that selects the layer.
func mklLayer(t *testing.T, layer string) (load, env []string) {
	load = []string{libmkl}
	env = []string{}
	if layer == "gnu" {
		load = []string{libgomp, libmkl}
		env = append(env, "MKL_THREADING_LAYER=GNU")
	} else if iomp := libtest.IOMP5(libmkl); iomp != "" {
		load = append([]string{iomp}, load...) // what MKL's Intel layer maps
	} else {
		libtest.Missing(t, "libiomp5.so for MKL's Intel layer is not installed")
	}
	return load, env
}

// mklDomains reads and sets MKL's counts per domain through MKL's own
// functions.
type mklDomains struct{ get, set uintptr }

// count is what domain d runs on the calling thread.
func (m mklDomains) count(d int) int {
	r, _, _ := purego.SyscallN(m.get, uintptr(d))
	return int(int32(r))
}

// read is what every domain of mklDomainList runs on the calling thread.
func (m mklDomains) read() []int {
	out := make([]int, len(mklDomainList))
	for i, d := range mklDomainList {
		out[i] = m.count(d)
	}
	return out
}

// onOther reads the domains on another thread, as a process-wide limit
// must hold there too.
func (m mklDomains) onOther() []int {
	ch := make(chan []int)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		ch <- m.read()
	}()
	return <-ch
}

// mklDomainsChild is TestProbeMKLPresetDomains in the child: it loads load,
// sets the counts of call (domain -> count), and checks Limit(1) and
// WithThreads(1) against the preset.
func mklDomainsChild(t *testing.T, load []string, call map[int]int) {
	if runtime.NumCPU() < 2 {
		t.Skip("MKL runs 1 thread on 1 CPU: the probe proves nothing")
	}
	var h uintptr
	for _, p := range load {
		h = libtest.Open(t, p)
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	m := mklDomains{libtest.Func(t, h, "MKL_Domain_Get_Max_Threads"), libtest.Func(t, h, "MKL_Domain_Set_Num_Threads")}
	for d, n := range call {
		purego.SyscallN(m.set, uintptr(n), uintptr(d))
	}
	preset := m.read()
	if slices.Max(preset) < 2 {
		t.Fatalf("the preset domains read %v: the probe proves nothing", preset)
	}
	restore, err := blasctl.Limit(1)
	if err != nil {
		t.Fatalf("Limit(1): %v", err)
	}
	if got := m.read(); slices.Max(got) > 1 {
		t.Errorf("inside Limit(1) MKL's domains (all, BLAS, FFT, VML, PARDISO) run %v on the limit's thread", got)
	}
	if got := m.onOther(); slices.Max(got) > 1 {
		t.Errorf("inside Limit(1) MKL's domains run %v on another thread", got)
	}
	if err := restore(); err != nil {
		t.Errorf("restore: %v", err)
	}
	if got := m.read(); !slices.Equal(got, preset) {
		t.Errorf("after Limit(1) and restore the domains read %v, want the preset %v", got, preset)
	}
	if err := blasctl.WithThreads(1, func() {
		if got := m.read(); slices.Max(got) > 1 {
			t.Errorf("inside WithThreads(1) the domains run %v", got)
		}
	}); err != nil {
		t.Error(err)
	}
	if got := m.read(); !slices.Equal(got, preset) {
		t.Errorf("after WithThreads(1) the domains read %v, want the preset %v", got, preset)
	}
	mklDomainsStillOwn(t, m, preset)
}

// mklDomainsStillOwn checks that a domain's own count is still its own: it
// still wins over a count for all domains set now to another value. (One
// set to exactly what applies without it cannot be told from none, by
// MKL's readings or by blasctl.)
func mklDomainsStillOwn(t *testing.T, m mklDomains, preset []int) {
	for i, d := range mklDomainList[1:] {
		want := preset[i+1]
		if want == preset[0] {
			continue
		}
		purego.SyscallN(m.set, uintptr(3-want), mklDomainAll)
		if got := m.count(d); got != want {
			t.Errorf("domain %d read %d before blasctl and follows the count for all (%d) after it", d, want, got)
		}
	}
}

// TestProbeGOMAXPROCSDomains: LimitToGOMAXPROCS decides which libraries are
// above the cap by what they run, so a MKL whose count for all is at the cap
// but whose BLAS domain runs more must be capped too. (Class: a decision
// made on another count than the one that applies.)
func TestProbeGOMAXPROCSDomains(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("MKL is built for amd64 only")
	}
	if !probeChild(t, "gomaxprocs-domains", []string{libgomp, libmkl}, "MKL_THREADING_LAYER=GNU", "GOMAXPROCS=1",
		"MKL_DOMAIN_NUM_THREADS=MKL_DOMAIN_ALL=1,MKL_DOMAIN_BLAS=2") {
		return
	}
	if runtime.NumCPU() < 2 {
		t.Skip("MKL runs 1 thread on 1 CPU: the probe proves nothing")
	}
	libtest.Open(t, libgomp)
	h := libtest.Open(t, libmkl)
	domainGet := libtest.Func(t, h, "MKL_Domain_Get_Max_Threads")
	blas := func() int {
		r, _, _ := purego.SyscallN(domainGet, mklDomainBLAS)
		return int(int32(r))
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if blas() != 2 {
		t.Fatalf("the BLAS domain reads %d, want the preset 2: the probe proves nothing", blas())
	}
	restore, err := blasctl.LimitToGOMAXPROCS()
	if err != nil {
		t.Fatal(err)
	}
	if got := blas(); got > 1 {
		t.Errorf("under LimitToGOMAXPROCS with GOMAXPROCS=1 the BLAS domain runs %d", got)
	}
	if err := restore(); err != nil {
		t.Error(err)
	}
	if got := blas(); got != 2 {
		t.Errorf("after the restore the BLAS domain reads %d, want 2", got)
	}
}
