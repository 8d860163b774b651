package blasctl

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/blasctl/blasctl/internal/cdl"
)

// idleLevers are the idle levers one library has (IdlePolicy lists them),
// bound by its backend at open; a zero field is a lever it lacks.
type idleLevers struct {
	// getBlocktime and setBlocktime are the KMP family's kmp_get_blocktime
	// and kmp_set_blocktime (int(void), void(int), milliseconds): the
	// calling thread's blocktime, which the teams it forks copy.
	getBlocktime, setBlocktime uintptr
	// pause is libgomp's omp_pause_resource_all (int(int kind)): it ends
	// the calling thread's team. Not omp_pause_resource, whose check of the
	// device number initialises libgomp's offload targets, which can load
	// their plugins.
	pause uintptr
	// shutdown is the pthreads OpenBLAS's blas_thread_shutdown_ (int(void)):
	// it ends the process's pool. Bound only for the versions whose pool
	// comes back whole (ParkWorkers).
	shutdown uintptr
	// spin describes, for Library.Idle, what the workers do after a call
	// when it is fixed at load ("" when a lever reads it at report time).
	spin string
}

// kmpIdleBlocktime is the blocktime IdleSleep gives a scope's thread, in
// milliseconds: the team stops spinning about this long after its last call.
// Back-to-back calls closer than this keep their team awake.
const kmpIdleBlocktime = 1

// kmpInfinite is KMP_MAX_BLOCKTIME, what kmp_get_blocktime reads under
// KMP_BLOCKTIME=infinite: the runtime then never lets a worker sleep,
// whatever a thread sets.
const kmpInfinite = math.MaxInt32

// kmpDefaultBlocktime is the blocktime of the KMP runtimes when neither
// KMP_BLOCKTIME nor the program set one (LLVM 14 and 19, Intel's): 200 ms.
const kmpDefaultBlocktime = 200

// kmpEnvBlocktime is whether KMP_BLOCKTIME is set: the runtime reads it at
// its start, and only without it does kmp_get_blocktime read 0 for a
// blocktime nobody set, while the runtime counts more OpenMP threads than
// CPUs (its KMP_ADJUST_BLOCKTIME report). Every Go thread that calls into
// the runtime is one of its threads, so in a Go program that reading is
// common; the workers themselves go on spinning the default blocktime
// (the adjustment applies to waits only in builds with a monitor thread,
// which Linux builds are not).
var kmpEnvBlocktime = func() bool { _, ok := os.LookupEnv("KMP_BLOCKTIME"); return ok }()

// kmpBlocktime reads the calling thread's blocktime through get, as the
// workers of the team it forks apply it: a 0 the runtime reports for a
// blocktime nobody set (see kmpEnvBlocktime) is the default.
func kmpBlocktime(get uintptr) int {
	bt := int(int32(cdl.Call0(get)))
	if bt == 0 && !kmpEnvBlocktime {
		return kmpDefaultBlocktime
	}
	return bt
}

// ompPauseSoft is omp_pause_soft, the lighter of omp_pause_resource_t's kinds.
const ompPauseSoft = 1

// ompIdleLevers binds the idle levers of the OpenMP runtime that lookup
// resolves in (an OpenMP runtime's own symbols, or an OpenMP build's
// dependencies): the KMP family's blocktime, or libgomp's pause.
func ompIdleLevers(lookup func(string) uintptr) idleLevers {
	var lv idleLevers
	if get, set := lookup("kmp_get_blocktime"), lookup("kmp_set_blocktime"); get != 0 && set != 0 {
		lv.getBlocktime, lv.setBlocktime = get, set
		return lv
	}
	if lookup("GOMP_parallel") != 0 || lookup("GOMP_parallel_start") != 0 {
		lv.pause = lookup("omp_pause_resource_all") // OpenMP 5.0: GCC 9 on
		lv.spin = "spins GOMP_SPINCOUNT times (default 300000; fixed at load)"
	}
	return lv
}

// openblasIdleLevers binds the pthreads OpenBLAS's shutdown (sym applies the
// build's symbol prefix and suffix) on the versions where ParkWorkers may use
// it, and describes its spin from OPENBLAS_THREAD_TIMEOUT as the library read
// it at load.
func openblasIdleLevers(sym func(string) uintptr, version string) idleLevers {
	var lv idleLevers
	if runtime.GOOS == "windows" {
		// The Windows server's workers wait on an event, without spinning,
		// and its count's setter does not start a pool that a shutdown
		// ended: it adds the new threads only, to a pool without the old.
		lv.spin = "waits on an event (no spin)"
		return lv
	}
	// The spin lasts 2^THREAD_TIMEOUT time-stamp-counter ticks: 2^28 in the
	// default build, about 0.1 s; OPENBLAS_THREAD_TIMEOUT, clamped to 4..30,
	// replaces the exponent at load.
	exp := 28
	if p := sym("openblas_thread_timeout"); p != 0 {
		if v := int(int32(cdl.Call0(p))); v > 0 {
			exp = min(max(v, 4), 30)
		}
	}
	lv.spin = fmt.Sprintf("spins 2^%d cycles (~%s; fixed at load)", exp, tscSeconds(exp))
	if p := sym("blas_thread_shutdown_"); p != 0 {
		if openblasParkSafe(version) {
			lv.shutdown = p
			lv.spin += "; parkable"
		} else {
			lv.spin += "; not parkable"
		}
	}
	return lv
}

// tscSeconds is roughly how long 2^exp ticks of a 2.5 GHz time-stamp counter
// last, for the report.
func tscSeconds(exp int) string {
	s := float64(uint64(1)<<exp) / 2.5e9
	switch {
	case s >= 1:
		return fmt.Sprintf("%.0f s", s)
	case s >= 1e-3:
		return fmt.Sprintf("%.0f ms", s*1e3)
	}
	return fmt.Sprintf("%.0f µs", s*1e6)
}

// openblasParkSafe reports whether the pthreads OpenBLAS of version comes
// back whole after blas_thread_shutdown_. From 0.3.4 on, the count's setter
// starts the pool first when it is down (before, it added threads to a pool
// that the next call then started again over them); 0.3.28's shutdown frees
// the per-thread buffers, and a thread a later, larger count adds reads a
// null buffer (0.3.29 allocates it). An unknown version is not trusted.
func openblasParkSafe(version string) bool {
	var major, minor, patch int
	if _, err := fmt.Sscanf(version, "%d.%d.%d", &major, &minor, &patch); err != nil {
		return false
	}
	switch {
	case major != 0:
		return major > 0
	case minor != 3:
		return minor > 3
	}
	return patch >= 4 && patch != 28
}

// describe returns what Library.Idle reports for a library with these
// levers, read on the calling thread.
func (lv *idleLevers) describe(info *Library) string {
	if lv.getBlocktime != 0 {
		switch bt := kmpBlocktime(lv.getBlocktime); bt {
		case kmpInfinite:
			return "spins forever (KMP_BLOCKTIME=infinite)"
		default:
			return fmt.Sprintf("spins %d ms (blocktime)", bt)
		}
	}
	if lv.spin != "" {
		return lv.spin
	}
	switch {
	case info.InternalAPI == "openblas" && info.ThreadingLayer == "disabled",
		info.InternalAPI == "mkl" && info.ThreadingLayer == "sequential":
		return "no threads"
	case info.InternalAPI == "blis" && info.ThreadingLayer == "pthreads":
		return "no worker spins after a call"
	case info.ThreadingLayer == "openmp", info.InternalAPI == "mkl":
		return "as its threading runtime"
	}
	return ""
}

// idleScope is what IdleSleep did on entering one scope, undone by leave.
// It is a value, kept on the scope's stack: a scope under IdleDefault pays
// one atomic load.
type idleScope struct {
	on  bool
	tid int
	ts  *threadState
	// kmp lists the libraries whose blocktime the scope set, with the value
	// each read before (at most two distinct KMP runtimes are expected).
	kmp   [2]*lib
	saved [2]int
	nkmp  int
	// pause lists the libraries whose libgomp team leave ends, if quiet.
	pause [2]*lib
	npau  int
	// quiet: the thread's previous scope with a libgomp lever ended at
	// least gompQuiet before this one began (or there was none).
	quiet bool
}

// gompQuiet is how long a thread's scopes must have paused before one for
// IdleSleep to end the thread's libgomp team at its end. libgomp offers no
// shorter spin at run time, only the end of the team, which the next
// parallel region pays for by starting its threads again; so a scope that
// follows the thread's previous one closely (back-to-back calls) keeps the
// team, which then spins as libgomp's own GOMP_SPINCOUNT says (a few ms),
// and the first scope after a pause, such as each call of a service that
// calls a few times a second, ends it.
const gompQuiet = 10 * time.Millisecond

// gompEnds holds, per OS thread id, when its last scope with a libgomp
// lever ended (an *atomic.Int64 of time since idleEpoch). Only the
// goroutine locked to the thread writes its entry; the map only grows, by
// one small entry per thread that ever ran such a scope.
var gompEnds sync.Map

var idleEpoch = time.Now()

// idleSleep reports whether the policy is IdleSleep: the one load a scope
// makes for the policy while it is off.
func idleSleep() bool { return idlePolicy.Load() == int32(IdleSleep) }

// idleEnter applies IdleSleep's per-scope levers for the scope f, on its
// locked OS thread, once the scope's counts are applied: it sets the
// blocktime of each KMP runtime among f's libraries to kmpIdleBlocktime and
// notes the libgomp teams to end. The returned value's leave undoes it.
func idleEnter(f *frame) idleScope {
	if IdlePolicy(idlePolicy.Load()) != IdleSleep {
		return idleScope{}
	}
	s := idleScope{on: true, tid: f.tid, ts: f.ts}
	for _, l := range f.libs {
		lv := &l.idle
		if l.gone.Load() {
			continue
		}
		if lv.setBlocktime != 0 && s.nkmp < len(s.kmp) && !s.hasKMP(lv.setBlocktime) {
			if bt := kmpBlocktime(lv.getBlocktime); bt > kmpIdleBlocktime && bt != kmpInfinite {
				cdl.Call1(lv.setBlocktime, kmpIdleBlocktime)
				s.kmp[s.nkmp], s.saved[s.nkmp] = l, bt
				s.nkmp++
			}
		}
		if lv.pause != 0 && s.npau < len(s.pause) && !s.hasPause(lv.pause) {
			s.pause[s.npau] = l
			s.npau++
		}
	}
	if s.npau > 0 {
		s.quiet = true
		if end, ok := gompEnds.Load(s.tid); ok {
			s.quiet = time.Since(idleEpoch)-time.Duration(end.(*atomic.Int64).Load()) >= gompQuiet
		}
	}
	return s
}

func (s *idleScope) hasKMP(set uintptr) bool {
	for _, l := range s.kmp[:s.nkmp] {
		if l.idle.setBlocktime == set {
			return true
		}
	}
	return false
}

func (s *idleScope) hasPause(p uintptr) bool {
	for _, l := range s.pause[:s.npau] {
		if l.idle.pause == p {
			return true
		}
	}
	return false
}

// leave undoes idleEnter once the scope's frame has ended: it puts each
// blocktime back (the team keeps the short one it forked with, and sleeps),
// then, when no scope or Limit remains on the thread, the policy is still
// IdleSleep and the scope began after a quiet gompQuiet, ends the thread's
// libgomp teams. A scope that ended on
// another OS thread (fn unlocked its goroutine) calls nothing: the
// blocktime of the thread it began on stays at kmpIdleBlocktime.
func (s idleScope) leave() {
	if !s.on || cdl.ThreadID() != s.tid {
		return
	}
	for i := s.nkmp - 1; i >= 0; i-- {
		if l := s.kmp[i]; !l.gone.Load() {
			cdl.Call1(l.idle.setBlocktime, uintptr(s.saved[i]))
		}
	}
	if s.npau == 0 || s.ts.depth.Load() != 1 { // 1: this scope's own frame
		return
	}
	if s.quiet && IdlePolicy(idlePolicy.Load()) == IdleSleep {
		for _, l := range s.pause[:s.npau] {
			if !l.gone.Load() {
				cdl.Call1(l.idle.pause, ompPauseSoft)
			}
		}
	}
	end, ok := gompEnds.Load(s.tid)
	if !ok {
		end, _ = gompEnds.LoadOrStore(s.tid, new(atomic.Int64))
	}
	end.(*atomic.Int64).Store(int64(time.Since(idleEpoch)))
}
