//go:build windows

package winldr

import (
	"sync"
	"sync/atomic"
	"syscall"
	"unsafe"

	"github.com/blasctl/blasctl/internal/loader"
	"golang.org/x/sys/windows"
)

// Loader is the Windows loader as detection sees it (loader.Seam). Its
// generation counts the modules loaded and unloaded since the notification
// was registered.
type Loader struct{ loader.Unguarded }

// Identity is the identity type of Loader: it names no object.
type Identity = loader.NoIdentity

var _ loader.Seam[Identity] = Loader{}

// counters is what the notification callback adds to
// (notify_windows_amd64.s, through go_asm.h).
type counters struct {
	adds, subs atomic.Uint64
}

// counts are the counters; a package variable never moves.
var counts counters

var reg struct {
	once   sync.Once
	ok     bool
	lock   uintptr // LdrLockLoaderLock
	unlock uintptr // LdrUnlockLoaderLock
	cookie uintptr
}

// register installs the notification callback once; ok stays false where
// ntdll lacks it (then every Check reports Uncounted and callers list
// again).
func register() {
	reg.once.Do(func() {
		cb := notifyPC()
		if cb == 0 {
			return
		}
		ntdll := windows.NewLazySystemDLL("ntdll.dll")
		regProc := ntdll.NewProc("LdrRegisterDllNotification")
		lock, unlock := ntdll.NewProc("LdrLockLoaderLock"), ntdll.NewProc("LdrUnlockLoaderLock")
		if regProc.Find() != nil || lock.Find() != nil || unlock.Find() != nil {
			return
		}
		r, _, _ := regProc.Call(0, cb, uintptr(unsafe.Pointer(&counts)), uintptr(unsafe.Pointer(&reg.cookie)))
		if r != 0 { // an NTSTATUS error
			return
		}
		reg.lock, reg.unlock, reg.ok = lock.Addr(), unlock.Addr(), true
	})
}

// Check returns the current generation: two atomic loads. It reports
// Uncounted when the loader's notifications are not available (then
// nothing can be trusted to stay).
func (Loader) Check() (loader.Generation, loader.Status) {
	register()
	if !reg.ok {
		return loader.Generation{}, loader.Uncounted
	}
	return loader.Generation{Adds: counts.adds.Load(), Subs: counts.subs.Load()}, loader.Counted
}

// lockedGeneration reads the counters with the loader lock held: every load
// and unload counted is complete, and every later one moves them.
func lockedGeneration() (loader.Generation, loader.Status) {
	register()
	if !reg.ok {
		return loader.Generation{}, loader.Uncounted
	}
	return readLocked(reg.lock, reg.unlock)
}

// The listing functions are kernel32's: K32EnumProcessModulesEx,
// GetModuleFileNameW and K32GetModuleInformation. x/sys's wrappers of
// EnumProcessModulesEx and GetModuleInformation bind them from psapi.dll,
// whose first call would load psapi.dll into the process (a module blasctl
// loaded, moving the generation and breaking its promise never to load
// one); psapi's exports forward to these, and kernel32 is in every process.
//
// The names come from GetModuleFileNameW, not GetModuleFileNameEx: for the
// calling process both read the same loader entry, but under Wine 8 the Ex
// form costs about 1.1 ms per module (it reads the loader's list through
// ReadProcessMemory, a wineserver round trip per step) against 85 ns, which
// made a scan of a test process's 11 modules take 13 ms. The image size
// (K32GetModuleInformation, 0.5 ms per module under Wine) is read only for
// the modules detection matches (imageSize).
var (
	kernel32              = windows.NewLazySystemDLL("kernel32.dll")
	procEnumProcessModEx  = kernel32.NewProc("K32EnumProcessModulesEx")
	procGetModuleFileName = kernel32.NewProc("GetModuleFileNameW")
	procGetModuleFileNEx  = kernel32.NewProc("K32GetModuleFileNameExW")
	procGetModuleInfo     = kernel32.NewProc("K32GetModuleInformation")
)

func enumProcessModulesEx(proc windows.Handle, mods []windows.Handle, need *uint32) bool {
	r, _, _ := syscall.SyscallN(procEnumProcessModEx.Addr(), uintptr(proc), uintptr(unsafe.Pointer(&mods[0])),
		uintptr(len(mods))*unsafe.Sizeof(mods[0]), uintptr(unsafe.Pointer(need)), windows.LIST_MODULES_ALL)
	return r != 0
}

func getModuleFileName(h windows.Handle, buf []uint16) uint32 {
	r, _, _ := syscall.SyscallN(procGetModuleFileName.Addr(), uintptr(h), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return uint32(r)
}

// getModuleFileNameEx is the psapi form, kept for the benchmark that
// measures it.
func getModuleFileNameEx(proc, h windows.Handle, buf []uint16) uint32 {
	r, _, _ := syscall.SyscallN(procGetModuleFileNEx.Addr(), uintptr(proc), uintptr(h), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
	return uint32(r)
}

func getModuleInformation(proc, h windows.Handle, mi *windows.ModuleInfo) bool {
	r, _, _ := syscall.SyscallN(procGetModuleInfo.Addr(), uintptr(proc), uintptr(h), uintptr(unsafe.Pointer(mi)), unsafe.Sizeof(*mi))
	return r != 0
}

// List lists every module of the process, with the generation the list
// belongs to (read before listing, under the loader lock; Uncounted as for
// Check, Unavailable when the modules cannot be listed). The modules want
// selects get their image's address range, read by a call per module that
// is slow under Wine (imageSize); a module unloaded before it is read is
// left out: the generation has moved.
func (Loader) List(want func(path string) bool) ([]loader.Object, loader.Generation, loader.Status) {
	mods, gen, st := modules()
	if st == loader.Unavailable {
		return nil, loader.Generation{}, st
	}
	objs := make([]loader.Object, 0, len(mods))
	for _, m := range mods {
		o := loader.Object{Path: m.path}
		if want != nil && want(m.path) {
			size, there := imageSize(m.base)
			if !there {
				continue
			}
			o.Segments = [][2]uintptr{{m.base, m.base + size}}
		}
		objs = append(objs, o)
	}
	return objs, gen, st
}

// module is one loaded module: the path the loader knows it by and the
// address its image is loaded at (its handle).
type module struct {
	path string
	base uintptr
}

// modules lists every module of the process, with the generation the list
// belongs to.
func modules() ([]module, loader.Generation, loader.Status) {
	if procEnumProcessModEx.Find() != nil || procGetModuleFileName.Find() != nil {
		return nil, loader.Generation{}, loader.Unavailable
	}
	gen, st := lockedGeneration()
	proc := windows.CurrentProcess()
	const hsize = uint32(unsafe.Sizeof(windows.Handle(0)))
	mods := make([]windows.Handle, 64)
	for {
		var need uint32
		if !enumProcessModulesEx(proc, mods, &need) {
			return nil, loader.Generation{}, loader.Unavailable
		}
		n := int(need / hsize)
		if n <= len(mods) {
			mods = mods[:n]
			break
		}
		mods = make([]windows.Handle, n+16) // modules loaded meanwhile: grow and ask again
	}
	out := make([]module, 0, len(mods))
	buf := make([]uint16, windows.MAX_PATH)
	for _, h := range mods {
		path, there := fileName(h, &buf)
		if !there {
			continue // unloaded since the listing: the generation has moved
		}
		out = append(out, module{path: path, base: uintptr(h)})
	}
	return out, gen, st
}

// imageSize is the size of the image of the module loaded at base; ok is
// false when it is no longer loaded.
func imageSize(base uintptr) (uintptr, bool) {
	var mi windows.ModuleInfo
	if procGetModuleInfo.Find() != nil || !getModuleInformation(windows.CurrentProcess(), windows.Handle(base), &mi) {
		return 0, false
	}
	return uintptr(mi.SizeOfImage), true
}

// maxPath is the longest path Windows can name a module by (a
// UNICODE_STRING holds at most 32767 UTF-16 units).
const maxPath = 1 << 15

// fileName is the module's path. GetModuleFileName truncates a path that
// does not fit, and says so only by a length that fills the buffer (x/sys's
// GetModuleFileNameEx wrapper returns no length at all): the buffer grows
// until the path ends before its last unit.
func fileName(h windows.Handle, buf *[]uint16) (string, bool) {
	for {
		b := *buf
		n := int(getModuleFileName(h, b))
		if n == 0 {
			return "", false
		}
		if n < len(b)-1 || len(b) > maxPath {
			return windows.UTF16ToString(b[:min(n, len(b))]), true
		}
		*buf = make([]uint16, 2*len(b))
	}
}
