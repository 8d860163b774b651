package phdr

import (
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
)

// The generation check on arm64: a leaf assembly dl_iterate_phdr callback
// (gen_linux_arm64.s) copies the load counters of the first object and
// stops, so the check that runs on every public call makes one C call and
// never returns into Go through purego's callback (which allocates). The
// full listing stays on purego's callback there: it runs on a first call or
// a rescan only.

// genCallback is the assembly callback. It is never called from Go.
//
//lint:ignore U1000 called by the C loader through genCallbackPC
func genCallback()

// genCallbackPC returns genCallback's code address, for C to call.
func genCallbackPC() uintptr

// genCounters is what genCallback fills, through go_asm.h.
type genCounters struct{ adds, subs, hasGen uint64 }

var gen struct {
	pc uintptr
	// head is written by C under walker.mu; a package variable, so it
	// neither moves nor allocates.
	head genCounters
}

func init() {
	gen.pc = genCallbackPC()
	asm.check = checkAsm
}

// checkAsm reads glibc's load counters through the assembly callback.
func checkAsm() (loader.Generation, loader.Status) {
	walker.mu.Lock()
	defer walker.mu.Unlock()
	gen.head = genCounters{}
	cdl.Call(walker.iterate, gen.pc, uintptr(unsafe.Pointer(&gen.head)))
	return loader.Generation{Adds: gen.head.adds, Subs: gen.head.subs}, status(gen.head.hasGen == 1)
}
