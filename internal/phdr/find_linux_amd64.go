package phdr

import (
	"sync"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
)

// Finding the object that holds an address, through glibc's
// _dl_find_object (glibc 2.35 and later). Unlike dl_iterate_phdr it takes
// no lock: readers of glibc's table of mappings retry when a dlopen or
// dlclose switched it under them, and never wait for one. So a sequence of
// C calls that begins with it may run without the system-call bookkeeping
// (cdl.Seq.RunNoSyscall), which the loader lock rules out.

// dlFindObject is the start of glibc's struct dl_find_object on x86_64:
// flags, then the mapping's start and end, the link_map, the exception
// data, and reserved words: 12 words in all.
type dlFindObject struct {
	_       uint64  // dlfo_flags
	_       uintptr // dlfo_map_start
	mapEnd  uintptr
	linkMap uintptr
	_       uintptr   // dlfo_eh_frame
	_       [7]uint64 // reserved
}

// The struct must fit in a Seq's scratch words.
var _ [cdl.SeqScratch*8 - unsafe.Sizeof(dlFindObject{})]byte

// Identity names one loaded object as _dl_find_object reports it: the end
// of its mapping and its link_map. An object unloaded since reads as
// another identity or as none; one unloaded and loaded again from the same
// file at the same address, which glibc often gives the same link_map,
// can read the same. The zero Identity names nothing.
type Identity struct {
	find    uintptr // _dl_find_object
	end     uintptr
	linkMap uintptr
}

// finder holds _dl_find_object's address, 0 where the C library lacks it.
var finder struct {
	once sync.Once
	fn   uintptr
}

func findObjectFn() uintptr {
	finder.once.Do(func() {
		// The C library stays loaded for the life of the process: its
		// address outlives the handle.
		if libc := cdl.OpenNoLoad("libc.so.6"); libc != 0 {
			finder.fn = cdl.Sym(libc, "_dl_find_object")
			cdl.Close(libc)
		}
	})
	return finder.fn
}

// Identify returns the identity of the loaded object that holds the code
// address pc: the zero Identity where the C library has no
// _dl_find_object (glibc before 2.35, musl) or no object holds pc.
func (Loader) Identify(pc uintptr) Identity {
	find := findObjectFn()
	if find == 0 || pc == 0 {
		return Identity{}
	}
	var s cdl.Seq
	s.AddScratch(find, pc)
	s.Run()
	end := s.Scratch(int(unsafe.Offsetof(dlFindObject{}.mapEnd) / 8))
	linkMap := s.Scratch(int(unsafe.Offsetof(dlFindObject{}.linkMap) / 8))
	if s.Ret[0] != 0 || linkMap == 0 || end <= pc {
		return Identity{}
	}
	return Identity{find: find, end: end, linkMap: linkMap}
}

// StartFound makes the lookup of pc the first call of the empty sequence s
// and guards the calls added after it: Run or RunNoSyscall makes them only
// if the object holding pc then has identity id. It reports false, adding
// nothing, for the zero Identity.
func (Loader) StartFound(s *cdl.Seq, pc uintptr, id Identity) bool {
	if id.find == 0 {
		return false
	}
	s.AddScratch(id.find, pc)
	s.GuardScratch(unsafe.Offsetof(dlFindObject{}.mapEnd), id.end, id.linkMap)
	return true
}

// Found reports whether a sequence StartFound began made every call: the
// object was still the one identified.
func (Loader) Found(s *cdl.Seq) bool { return s.Ret[0] == 0 && s.Ran() == s.Len() }
