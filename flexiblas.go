package blasctl

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/blasctl/blasctl/internal/cdl"
)

// FlexiBLAS (libflexiblas, libflexiblas64), recognised by its own
// flexiblas_avail. Its count is flexiblas_get/set_num_threads, which FlexiBLAS
// forwards to its current backend's setter: blasctl treats it as one count for
// the whole process (ScopeProcess). The backend library itself (OpenBLAS, BLIS,
// MKL, ...) is in the loader's list as well and is limited on its own with its
// own scope, so a per-thread backend is still limited per thread.
//
// FlexiBLAS exports weak aliases named openblas_*, MKL_*, bli_*, nvpl_* and
// armpl_* for its own functions. blasctl never takes them for those libraries:
// those backends are only tried on files named after them, and only with
// symbols the file itself defines.
var flexiblasBackend = &backend{
	internalAPI: "flexiblas",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"libflexiblas"},
	open:        openFlexiBLAS,
}

// flexiblasAPIs maps a FlexiBLAS's key to its entry points.
var flexiblasAPIs sync.Map

// flexiblasAPI holds the entry points of one loaded FlexiBLAS.
type flexiblasAPI struct {
	list, listLoaded, current, load, loadLibrary, switchTo uintptr
}

func openFlexiBLAS(b *binder) *lib {
	avail := b.sym("flexiblas_avail")
	get, set := b.sym("flexiblas_get_num_threads"), b.sym("flexiblas_set_num_threads")
	if avail == 0 || get == 0 || set == 0 || cdl.Call0(avail) == 0 {
		return nil
	}
	api := &flexiblasAPI{
		list: b.sym("flexiblas_list"), listLoaded: b.sym("flexiblas_list_loaded"),
		current: b.sym("flexiblas_current_backend"), load: b.sym("flexiblas_load_backend"),
		loadLibrary: b.sym("flexiblas_load_backend_library"), switchTo: b.sym("flexiblas_switch"),
	}
	l := &lib{key: get, proc: newKnob(intCount{get, set}, ScopeProcess)}
	if p := b.sym("flexiblas_get_version"); p != 0 {
		major, minor, patch := cdl.CallInts3(p)
		l.info.Version = fmt.Sprintf("%d.%d.%d", major, minor, patch)
	}
	l.describe = func(info *Library) { info.FlexiBLAS = api.info() }
	flexiblasAPIs.Store(get, api)
	return l
}

// info reads the backends now.
func (a *flexiblasAPI) info() *FlexiBLASInfo {
	fi := &FlexiBLASInfo{AvailableBackends: []string{}, LoadedBackends: []string{}}
	if a.current != 0 {
		fi.CurrentBackend = cdl.CallBuf(a.current, 1024) // flexiblas_current_backend(buf, len)
	}
	for _, l := range []struct {
		fn  uintptr
		out *[]string
	}{{a.list, &fi.AvailableBackends}, {a.listLoaded, &fi.LoadedBackends}} {
		if l.fn == 0 {
			continue
		}
		n := int(int64(cdl.Call3(l.fn, 0, 0, 0)))
		for i := 0; i < n; i++ {
			if name := cdl.CallList(l.fn, i); name != "" {
				*l.out = append(*l.out, name)
			}
		}
	}
	return fi
}

// ErrNoFlexiBLAS is returned by SwitchFlexiBLASBackend when no FlexiBLAS is
// loaded in the process.
var ErrNoFlexiBLAS = errors.New("blasctl: FlexiBLAS is not loaded")

// ErrInUse is returned by SwitchFlexiBLASBackend while a WithThreads scope or
// a Limit holds FlexiBLAS's count: switching would change the count under it.
var ErrInUse = errors.New("blasctl: library is held by an active scope")

// SwitchFlexiBLASBackend makes every loaded FlexiBLAS send its BLAS calls to
// the backend nameOrPath: a name from its configuration ("OPENBLAS", matched
// without regard to case) or, when it contains a '/', the path of a backend
// library. FlexiBLAS loads the backend if needed (this is the one blasctl call
// that may load a library, through FlexiBLAS), switches to it, and blasctl then
// detects the libraries again, so the next Libraries reports the new current
// backend and any library the switch loaded.
//
// It returns ErrNoFlexiBLAS when none is loaded, ErrInUse while a scope or
// Limit holds FlexiBLAS's count, and an error when FlexiBLAS cannot load or
// switch to the backend (the current backend then stays).
func SwitchFlexiBLASBackend(nameOrPath string) error {
	libs, err := loaded()
	if err != nil {
		return err
	}
	found := false
	for _, l := range libs {
		v, ok := flexiblasAPIs.Load(l.key)
		if !ok || l.info.InternalAPI != "flexiblas" {
			continue
		}
		found = true
		if err := switchOne(l, v.(*flexiblasAPI), nameOrPath); err != nil {
			return err
		}
	}
	if !found {
		return ErrNoFlexiBLAS
	}
	invalidate()
	return nil
}

func switchOne(l *lib, api *flexiblasAPI, nameOrPath string) error {
	counts.mu.Lock()
	defer counts.mu.Unlock()
	if l.gone.Load() {
		return ErrNoFlexiBLAS
	}
	if l.proc.holds > 0 {
		return ErrInUse
	}
	load := api.load
	if strings.Contains(nameOrPath, "/") {
		load = api.loadLibrary
	}
	if load == 0 || api.switchTo == 0 {
		return fmt.Errorf("blasctl: this FlexiBLAS (%s) cannot switch backends", l.info.Filepath)
	}
	id := int(int32(cdl.CallStr(load, nameOrPath)))
	if id < 0 {
		return fmt.Errorf("blasctl: FlexiBLAS (%s) cannot load backend %q", l.info.Filepath, nameOrPath)
	}
	if r := int(int32(cdl.Call1(api.switchTo, uintptr(id)))); r != 0 {
		return fmt.Errorf("blasctl: FlexiBLAS (%s) cannot switch to backend %q (id %d)", l.info.Filepath, nameOrPath, id)
	}
	return nil
}

// invalidate makes the next detection scan the loader's list again.
func invalidate() {
	det.mu.Lock()
	invalidateLocked()
	det.mu.Unlock()
}
