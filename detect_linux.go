//go:build linux

package blasctl

import (
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

const rtldNoLoad = 0x4 // glibc's RTLD_NOLOAD; purego does not define it

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
// (phdrlist_amd64.s) it calls it directly; elsewhere,
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
	gen     generation
	hasGen  bool
	objs    []object
}

func walkerInit() {
	libc := dlopenNoLoad("libc.so.6")
	if libc == 0 {
		walker.err = ErrUnsupported
		return
	}
	walker.iterate = dlsym(libc, "dl_iterate_phdr")
	if walker.iterate == 0 {
		walker.err = ErrUnsupported
		return
	}
	walker.listPC = phdrListCallbackPC()
}

func phdrCallback(info *dlPhdrInfo, size uintptr, _ uintptr) int32 {
	if size >= sizeWithSubs {
		walker.gen, walker.hasGen = generation{info.adds, info.subs}, true
	}
	if walker.onlyGen {
		return 1
	}
	o := object{}
	if info.name != nil {
		o.path = cString(unsafe.Pointer(info.name), 4096)
	}
	if info.phdr != nil {
		for _, ph := range unsafe.Slice(info.phdr, info.phnum) {
			if ph.typ == ptLoad {
				lo := info.addr + uintptr(ph.vaddr)
				o.segments = append(o.segments, [2]uintptr{lo, lo + uintptr(ph.memsz)})
			}
		}
	}
	walker.objs = append(walker.objs, o)
	return 0
}

// walk runs dl_iterate_phdr; with onlyGen it reads the counters and stops.
func walk(onlyGen bool) ([]object, generation, bool, error) {
	walker.once.Do(walkerInit)
	if walker.err != nil {
		return nil, generation{}, false, walker.err
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

// loaderGeneration reads glibc's load counters; ok is false where the C
// library does not provide them (then every call rescans).
//
// It runs on every public call, so it avoids the purego callback (a trip
// back into Go through reflect, several hundred ns and four allocations):
// where an assembly callback exists it is one plain C call.
func loaderGeneration() (generation, bool, error) {
	walker.once.Do(walkerInit)
	if walker.err != nil {
		return generation{}, false, walker.err
	}
	if gen, ok, done := generationAsm(); done {
		return gen, ok, nil
	}
	_, gen, ok, err := walk(true)
	return gen, ok, err
}

// listObjects lists every loaded object through dl_iterate_phdr, with the
// generation the list belongs to: through the assembly callback where there
// is one, else through the purego callback.
func listObjects() ([]object, generation, bool, error) {
	walker.once.Do(walkerInit)
	if walker.err != nil {
		return nil, generation{}, false, walker.err
	}
	if objs, gen, ok, done := listObjectsAsm(); done {
		return objs, gen, ok, nil
	}
	return walk(false)
}
