//go:build linux && (amd64 || arm64)

package phdr

import (
	"runtime"
	"sync/atomic"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
)

// Listing through the assembly callback (list_linux_amd64.s,
// list_linux_arm64.s: the same steps in each). purego's
// callback goes back into Go through reflect for every object, about 4 us
// each on the benchmark VM; the assembly callback copies what detection
// needs into a Go buffer while the loader lock is held, and Go decodes the
// buffer after dl_iterate_phdr returns. Nothing the loader owns is read
// after that.

// phdrListCallback is the assembly callback. It is never called from Go.
//
//lint:ignore U1000 called by the C loader through phdrListCallbackPC
func phdrListCallback()

// phdrListCallbackPC returns phdrListCallback's code address, for C to call.
func phdrListCallbackPC() uintptr

// listPC is phdrListCallback's code address.
var listPC = phdrListCallbackPC()

// The callback both lists and, over a header with room for no object,
// checks the generation.
func init() {
	asm.list = listAsm
	asm.check = checkAsm
}

// Bits of phdrList.overflow: which part of the buffer was too small.
const (
	phdrFullObjs  = 1
	phdrFullArena = 2
	phdrFullSegs  = 4
)

// phdrMaxName bounds the bytes copied from one name, as cString does on the
// purego path.
//
//lint:ignore U1000 used by list_linux_*.s through go_asm.h
const phdrMaxName = 4096

// phdrList heads the buffer the callback fills; its layout is read by
// list_linux_*.s through go_asm.h. Addresses are kept as uintptr: they
// point into the same pointer-free buffer, which the caller keeps alive.
type phdrList struct {
	objs     uintptr // first phdrRecord
	maxObjs  uint64
	recSize  uint64 // bytes per record: the header and maxSegs pairs
	maxSegs  uint64
	arena    uintptr // name bytes
	arenaCap uint64

	nobjs    uint64
	arenaLen uint64
	overflow uint64
	adds     uint64
	subs     uint64
	hasGen   uint64
}

// phdrRecord is one object: dlpi_addr, its name in the arena, and nsegs
// (p_vaddr, p_memsz) pairs of PT_LOAD headers, of which segs is the first.
type phdrRecord struct {
	addr    uint64
	nameOff uint64
	nameLen uint64
	nsegs   uint64
	segs    [1][2]uint64
}

// phdrSizes are the capacities of a listing buffer.
type phdrSizes struct{ objs, segs, arena int }

// phdrSizesFor are the capacities of a first buffer for about n objects:
// room for a few more, four to six PT_LOAD headers each, and names of 96
// bytes on average (a conda path runs to 120). A buffer that proves too
// small grows; this one stays small so that a first call does not fault in
// fresh pages for room it never uses.
func phdrSizesFor(n int) phdrSizes {
	n = max(n+n/4+4, 32)
	return phdrSizes{objs: n, segs: 6, arena: n * 96}
}

const (
	phdrHeadBytes = (unsafe.Sizeof(phdrList{}) + 15) &^ 15
	phdrRecHead   = unsafe.Offsetof(phdrRecord{}.segs)
)

func (s phdrSizes) recSize() uintptr { return phdrRecHead + uintptr(s.segs)*16 }

// phdrBuffer allocates a listing buffer of sizes s: pointer-free heap
// memory, which the garbage collector neither scans nor moves.
func phdrBuffer(s phdrSizes) []uint64 {
	n := phdrHeadBytes + uintptr(s.objs)*s.recSize() + uintptr(s.arena)
	return make([]uint64, (n+7)/8)
}

// lister holds the capacities a listing buffer needs (grown on overflow),
// how many times they grew, and a buffer not yet filled; walker.mu guards
// it.
var lister struct {
	buf     []uint64
	sizes   phdrSizes
	retries int
}

// listAsm lists the loaded objects through the assembly callback.
func listAsm() ([]loader.Object, loader.Generation, loader.Status) {
	walker.mu.Lock()
	defer walker.mu.Unlock()
	if lister.sizes.objs == 0 {
		// glibc counts every load and unload: their difference, from the
		// generation check that precedes a listing, is about the number of
		// objects loaded now.
		lister.sizes = phdrSizesFor(int(lastLoaded.Load()))
	}
	for {
		if lister.buf == nil {
			lister.buf = phdrBuffer(lister.sizes)
		}
		objs, gen, st, full := listPhdr(lister.buf, lister.sizes)
		if full == 0 {
			// The objects point into the buffer: the next listing takes a
			// new one, of the size that worked.
			lister.buf = nil
			return objs, gen, st
		}
		lister.sizes = lister.sizes.grow(full)
		lister.buf = nil
		lister.retries++
	}
}

// lastLoaded is the number of objects loaded at the last generation check
// (glibc's adds less its subs, 0 when they were not read or implausible),
// for the size of a first listing buffer.
var lastLoaded atomic.Int64

// checkAsm reads glibc's load counters through the assembly callback: one
// plain C call, no trip back into Go, and no lock. The listing header is
// this call's own, on its stack: with room for no object, the callback
// stores the load counters from the first object's info and stops at once
// (it sets phdrFullObjs, which means nothing here). Scopes check the
// generation while their goroutine is locked to its OS thread, so the check
// must not wait on a lock that other goroutines hold: a locked goroutine
// that parks keeps its thread, and Go never retires it. The stack does not
// move during the call: Go code of this goroutine does not run until the C
// call returns, and the runtime does not shrink the stack of a goroutine in
// a C call.
func checkAsm() (loader.Generation, loader.Status) {
	var h phdrList
	cdl.Call(walker.iterate, listPC, uintptr(unsafe.Pointer(&h)))
	runtime.KeepAlive(&h)
	if h.hasGen == 1 && h.adds >= h.subs && h.adds-h.subs < 1<<16 {
		if n := int64(h.adds - h.subs); lastLoaded.Load() != n {
			lastLoaded.Store(n) // written only on change: every scope checks
		}
	}
	return loader.Generation{Adds: h.adds, Subs: h.subs}, status(h.hasGen == 1)
}

// grow doubles the capacities the overflow bits name.
func (s phdrSizes) grow(full uint64) phdrSizes {
	if full&phdrFullObjs != 0 {
		s.objs *= 2
	}
	if full&phdrFullArena != 0 {
		s.arena *= 2
	}
	if full&phdrFullSegs != 0 {
		s.segs *= 2
	}
	return s
}

// listPhdr runs dl_iterate_phdr with the assembly callback over buf and
// decodes what it copied. full holds the overflow bits; the objects are
// valid only when it is 0.
func listPhdr(buf []uint64, s phdrSizes) (objs []loader.Object, gen loader.Generation, st loader.Status, full uint64) {
	base := unsafe.Pointer(&buf[0])
	recs := unsafe.Add(base, phdrHeadBytes)
	arena := unsafe.Add(recs, uintptr(s.objs)*s.recSize())
	h := (*phdrList)(base)
	*h = phdrList{
		objs:     uintptr(recs),
		maxObjs:  uint64(s.objs),
		recSize:  uint64(s.recSize()),
		maxSegs:  uint64(s.segs),
		arena:    uintptr(arena),
		arenaCap: uint64(s.arena),
	}
	cdl.Call(walker.iterate, listPC, uintptr(base))
	// buf's address went to C as an integer: keep it reachable until the
	// call has returned.
	runtime.KeepAlive(buf)
	if h.overflow != 0 {
		return nil, loader.Generation{}, loader.Unavailable, h.overflow
	}
	// The objects point into buf, which the caller drops: names are read in
	// the arena, and each (p_vaddr, p_memsz) pair becomes the (lo, hi) range
	// in place. One allocation instead of three for a first call.
	objs = make([]loader.Object, h.nobjs)
	for i := range objs {
		r := phdrRecordAt(recs, s, i)
		if r.nameLen > 0 {
			objs[i].Path = unsafe.String((*byte)(unsafe.Add(arena, r.nameOff)), r.nameLen)
		}
		if r.nsegs == 0 {
			continue
		}
		pairs := unsafe.Slice(&r.segs[0], r.nsegs)
		for j := range pairs {
			lo := r.addr + pairs[j][0]
			pairs[j] = [2]uint64{lo, lo + pairs[j][1]}
		}
		objs[i].Segments = unsafe.Slice((*[2]uintptr)(unsafe.Pointer(&r.segs[0])), r.nsegs)
	}
	return objs, loader.Generation{Adds: h.adds, Subs: h.subs}, status(h.hasGen == 1), 0
}

func phdrRecordAt(recs unsafe.Pointer, s phdrSizes, i int) *phdrRecord {
	return (*phdrRecord)(unsafe.Add(recs, uintptr(i)*s.recSize()))
}
