package blasctl_test

import (
	"runtime"
	"sync"
	"testing"

	"github.com/blasctl/blasctl"
	"github.com/blasctl/blasctl/internal/libtest"
)

// The probes: black-box tests driven only through the public API and judged
// by independent bindings (dlsym of each library's own getter). Every probe
// runs in a child process of its own (libtest.Child, named by a scenario),
// with the environment it needs, for a bounded time, and is meant to run
// under -race in CI. Each one stands for a class of bug found by probing
// (issue 13): the comment on a probe names the class, and each file holds
// the probes of one kind of bug:
//
//   - probe_unload: calls into a library its owner unloaded;
//   - probe_reload: a library's identity kept across an unload and a load;
//   - probe_threadid: identity by a thread id the C library hands out again;
//   - probe_rules: the documented rules on idle threads and on limits never
//     restored;
//   - probe_presets: counts set before blasctl, on every real build;
//   - probe_mkl: MKL's counts per domain;
//   - probe_unscoped: calls outside any scope beside scoped ones;
//   - probe_custom: Custom backends replaced, or driven from every side;
//   - probe_badcustom: Custom backends that break their promises or panic;
//   - probe_select: filters that can match nothing.

var lib = libtest.LibDir

var (
	openblasPthread = lib + "openblas-pthread/libopenblas.so.0"
	openblasOpenMP  = lib + "openblas-openmp/libopenblas.so.0"
	libgomp         = lib + "libgomp.so.1"
	libmkl          = lib + "libmkl_rt.so"
)

// probeChild runs the probe test (t, a subtest path as t.Name spells it)
// in a child process whose scenario is name, with needs checked and env
// added, and fails t with the child's output if the child fails (a crash or
// a hang included). In the child it reports true: the caller then runs the
// probe itself.
func probeChild(t *testing.T, name string, needs []string, env ...string) bool {
	t.Helper()
	switch scenario, child := libtest.Scenario(); {
	case child && scenario == name:
		return true
	case child:
		t.SkipNow() // a child runs its own probe only
	}
	if runtime.GOOS != "linux" || libtest.LibDir == "" {
		t.Skip("the probes use Debian's amd64 and arm64 libraries")
	}
	libtest.Child{Test: t.Name(), Build: libtest.Build{Load: needs}, Scenario: name, Env: env}.Run(t)
	return false
}

// bind returns an independent binding of an int(void) getter.
func bind(t *testing.T, h uintptr, name string) func() int {
	t.Helper()
	p := libtest.Func(t, h, name)
	return func() int { return libtest.Get(p) }
}

// limitElsewhere takes c.Limit(n) on a goroutine of its own, which stays
// until the returned func asks it to restore the limit and returns
// restore's error.
func limitElsewhere(t *testing.T, c *blasctl.Controller, n int) (restore func() error) {
	held := make(chan func() error)
	release := make(chan struct{})
	done := make(chan error)
	go func() {
		restore, err := c.Limit(n)
		if err != nil {
			t.Error(err)
		}
		held <- restore
		<-release
		done <- restore()
	}()
	<-held
	return func() error {
		close(release)
		return <-done
	}
}

// loops runs functions over and over, each on a goroutine of its own, until
// end.
type loops struct {
	stop chan struct{}
	wg   sync.WaitGroup
}

func newLoops() *loops { return &loops{stop: make(chan struct{})} }

// run calls fn without pause on a new goroutine until end.
func (l *loops) run(fn func()) {
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			select {
			case <-l.stop:
				return
			default:
			}
			fn()
		}
	}()
}

// end stops every loop and waits for each to return.
func (l *loops) end() {
	close(l.stop)
	l.wg.Wait()
}
