//go:build linux

package phdr

import (
	"sync"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
	"github.com/ebitengine/purego"
)

// dlPhdrInfo is glibc's struct dl_phdr_info on 64-bit targets, up to the
// load counters (present when the callback's size argument covers them).
// The assembly callbacks read it through go_asm.h (dlPhdrInfo_adds, ...);
// abi_linux_test.go pins it to the C layout.
type dlPhdrInfo struct {
	addr  uintptr
	name  *byte
	phdr  *elfPhdr
	phnum uint16
	_     [6]byte
	adds  uint64
	subs  uint64
}

// elfPhdr is Elf64_Phdr, read by the assembly listing through go_asm.h.
type elfPhdr struct {
	typ   uint32
	_     uint32 // p_flags
	_     uint64 // p_offset
	vaddr uint64
	_     uint64 // p_paddr
	_     uint64 // p_filesz
	memsz uint64
	_     uint64 // p_align
}

const (
	ptLoad = 1
	// sizeWithSubs is the callback's size argument that covers dlpi_subs.
	sizeWithSubs = unsafe.Offsetof(dlPhdrInfo{}.subs) + unsafe.Sizeof(dlPhdrInfo{}.subs)
)

// walker runs dl_iterate_phdr. Where an assembly callback exists (asm) it
// calls it directly; elsewhere, and for the tests that compare the two, it
// uses one purego callback, created on first use and kept trivial: it
// copies what it is shown and never calls back into the loader (the loader
// lock is held while it runs). The purego callback has no per-call
// argument it could fill, so walk shares one state under mu: on the
// architectures without an assembly callback, the generation check waits
// on mu while another goroutine checks or lists (and the callback is Go
// code, which may wait for the scheduler under the loader lock). Where the
// assembly callback exists, the check takes no lock (checkAsm) and mu
// guards listings only.
var walker struct {
	mu       sync.Mutex
	once     sync.Once
	iterate  uintptr // dl_iterate_phdr
	err      bool    // the C library has no dl_iterate_phdr
	cbOnce   sync.Once
	callback uintptr // the purego callback, once walk has run

	onlyGen bool // stop after the first object: a generation check
	gen     loader.Generation
	hasGen  bool
	objs    []loader.Object
}

func walkerInit() {
	if libc := cdl.OpenNoLoad("libc.so.6"); libc != 0 {
		walker.iterate = cdl.Sym(libc, "dl_iterate_phdr")
	}
	walker.err = walker.iterate == 0
}

func phdrCallback(info *dlPhdrInfo, size uintptr, _ uintptr) int32 {
	if size >= sizeWithSubs {
		walker.gen, walker.hasGen = loader.Generation{Adds: info.adds, Subs: info.subs}, true
	}
	if walker.onlyGen {
		return 1
	}
	o := loader.Object{}
	if info.name != nil {
		o.Path = cdl.CString(unsafe.Pointer(info.name), 4096)
	}
	if info.phdr != nil {
		for _, ph := range unsafe.Slice(info.phdr, info.phnum) {
			if ph.typ == ptLoad {
				lo := info.addr + uintptr(ph.vaddr)
				o.Segments = append(o.Segments, [2]uintptr{lo, lo + uintptr(ph.memsz)})
			}
		}
	}
	walker.objs = append(walker.objs, o)
	return 0
}

// walk runs dl_iterate_phdr through the purego callback; with onlyGen it
// reads the counters and stops.
func walk(onlyGen bool) ([]loader.Object, loader.Generation, loader.Status) {
	walker.once.Do(walkerInit)
	if walker.err {
		return nil, loader.Generation{}, loader.Unavailable
	}
	// purego.NewCallback costs tens of microseconds of reflect set-up, which
	// the first call of a process does not pay where assembly covers it.
	walker.cbOnce.Do(func() { walker.callback = purego.NewCallback(phdrCallback) })
	walker.mu.Lock()
	defer walker.mu.Unlock()
	walker.onlyGen, walker.hasGen, walker.objs = onlyGen, false, nil
	purego.SyscallN(walker.iterate, walker.callback, 0)
	objs := walker.objs
	walker.objs = nil
	return objs, walker.gen, status(walker.hasGen)
}
