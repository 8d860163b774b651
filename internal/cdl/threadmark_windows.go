//go:build windows

package cdl

import (
	"sync"

	"golang.org/x/sys/windows"
)

// A thread mark on Windows is a value in one thread-local storage slot
// (TlsAlloc) that only blasctl uses: a new thread starts with every slot 0,
// also when it is given the id of a thread that ended.

var threadMark struct {
	once     sync.Once
	slot     uintptr
	get, set uintptr // 0 when no slot could be had
}

func threadMarkInit() {
	threadMark.once.Do(func() {
		k32 := windows.NewLazySystemDLL("kernel32.dll")
		alloc, get, set := k32.NewProc("TlsAlloc"), k32.NewProc("TlsGetValue"), k32.NewProc("TlsSetValue")
		if alloc.Find() != nil || get.Find() != nil || set.Find() != nil {
			return
		}
		slot := Call0(alloc.Addr())
		if uint32(slot) == 0xFFFFFFFF { // TLS_OUT_OF_INDEXES
			return
		}
		threadMark.slot, threadMark.get, threadMark.set = slot, get.Addr(), set.Addr()
	})
}

// ThreadMark returns the calling OS thread's mark: 0 until SetThreadMark
// gives it one, and 0 on a thread that starts after it ended. ok is false
// where there are no marks (then every thread reads 0).
func ThreadMark() (mark uintptr, ok bool) {
	threadMarkInit()
	if threadMark.get == 0 {
		return 0, false
	}
	return Call1(threadMark.get, threadMark.slot), true
}

// SetThreadMark gives the calling OS thread the mark v (not 0); it reports
// whether marks are kept here.
func SetThreadMark(v uintptr) bool {
	threadMarkInit()
	if threadMark.set == 0 {
		return false
	}
	return Call2(threadMark.set, threadMark.slot, v) != 0
}
