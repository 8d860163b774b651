//go:build linux

package phdr

import (
	"errors"
	"sync"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/ebitengine/purego"
)

// ErrNoIterator means the C library does not export dl_iterate_phdr: no
// object can be listed.
var ErrNoIterator = errors.New("phdr: the C library has no dl_iterate_phdr")

// dlPhdrInfo is glibc's struct dl_phdr_info on 64-bit targets, up to the
// load counters (present when the callback's size argument covers them).
type dlPhdrInfo struct {
	addr  uintptr
	name  *byte
	phdr  *elfPhdr
	phnum uint16
	_     [6]byte
	adds  uint64
	subs  uint64
}

// elfPhdr is Elf64_Phdr.
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
	ptLoad       = 1
	sizeWithSubs = unsafe.Offsetof(dlPhdrInfo{}.subs) + 8
)

// walker runs dl_iterate_phdr. Where the assembly callback exists
// (list_linux_amd64.s) it calls it directly; elsewhere,
// and for the tests that compare the two, it uses one purego callback,
// created on first use and kept trivial: it copies what it is shown and
// never calls back into the loader (the loader lock is held while it runs).
var walker struct {
	mu       sync.Mutex
	once     sync.Once
	iterate  uintptr // dl_iterate_phdr
	listPC   uintptr // the assembly listing callback, or 0
	err      error
	cbOnce   sync.Once
	callback uintptr // the purego callback, once walk has run

	onlyGen bool // stop after the first object: a generation check
	gen     Generation
	hasGen  bool
	objs    []Object
}

func walkerInit() {
	libc := cdl.OpenNoLoad("libc.so.6")
	if libc == 0 {
		walker.err = ErrNoIterator
		return
	}
	walker.iterate = cdl.Sym(libc, "dl_iterate_phdr")
	if walker.iterate == 0 {
		walker.err = ErrNoIterator
		return
	}
	walker.listPC = phdrListCallbackPC()
}

func phdrCallback(info *dlPhdrInfo, size uintptr, _ uintptr) int32 {
	if size >= sizeWithSubs {
		walker.gen, walker.hasGen = Generation{info.adds, info.subs}, true
	}
	if walker.onlyGen {
		return 1
	}
	o := Object{}
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

// walk runs dl_iterate_phdr; with onlyGen it reads the counters and stops.
func walk(onlyGen bool) ([]Object, Generation, bool, error) {
	walker.once.Do(walkerInit)
	if walker.err != nil {
		return nil, Generation{}, false, walker.err
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
	return objs, walker.gen, walker.hasGen, nil
}

// Check reads glibc's load counters; ok is false where the C library does
// not provide them (then every call must list again).
//
// It runs on every public call, so it avoids the purego callback (a trip
// back into Go through reflect, several hundred ns and four allocations):
// where an assembly callback exists it is one plain C call.
func Check() (Generation, bool, error) {
	walker.once.Do(walkerInit)
	if walker.err != nil {
		return Generation{}, false, walker.err
	}
	if gen, ok, done := generationAsm(); done {
		return gen, ok, nil
	}
	_, gen, ok, err := walk(true)
	return gen, ok, err
}

// List lists every loaded object through dl_iterate_phdr, with the
// generation the list belongs to: through the assembly callback where there
// is one, else through the purego callback.
func List() ([]Object, Generation, bool, error) {
	walker.once.Do(walkerInit)
	if walker.err != nil {
		return nil, Generation{}, false, walker.err
	}
	if objs, gen, ok, done := listObjectsAsm(); done {
		return objs, gen, ok, nil
	}
	return walk(false)
}
