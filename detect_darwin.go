//go:build darwin

package blasctl

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/ebitengine/purego"
)

// dyld lists images by index; callbacks registered once count additions and
// removals, which gives the same cheap generation check as glibc's counters.
var dyld struct {
	once       sync.Once
	err        error
	count      uintptr // _dyld_image_count
	name       uintptr // _dyld_get_image_name
	adds, subs atomic.Uint64
}

func dyldInit() {
	sys := cdl.OpenNoLoad("/usr/lib/libSystem.B.dylib")
	if sys == 0 {
		dyld.err = ErrUnsupported
		return
	}
	dyld.count = cdl.Sym(sys, "_dyld_image_count")
	dyld.name = cdl.Sym(sys, "_dyld_get_image_name")
	onAdd := cdl.Sym(sys, "_dyld_register_func_for_add_image")
	onRemove := cdl.Sym(sys, "_dyld_register_func_for_remove_image")
	if dyld.count == 0 || dyld.name == 0 || onAdd == 0 || onRemove == 0 {
		dyld.err = ErrUnsupported
		return
	}
	cdl.Call1(onAdd, purego.NewCallback(func(_ unsafe.Pointer, _ uintptr) { dyld.adds.Add(1) }))
	cdl.Call1(onRemove, purego.NewCallback(func(_ unsafe.Pointer, _ uintptr) { dyld.subs.Add(1) }))
}

func loaderGeneration() (generation, bool, error) {
	dyld.once.Do(dyldInit)
	if dyld.err != nil {
		return generation{}, false, dyld.err
	}
	return generation{dyld.adds.Load(), dyld.subs.Load()}, true, nil
}

// listObjects lists the dyld images. dyld gives no segment ranges here, so
// symbol ownership is not checked on macOS.
func listObjects() ([]object, generation, bool, error) {
	gen, ok, err := loaderGeneration()
	if err != nil {
		return nil, gen, false, err
	}
	n := int(cdl.Call0(dyld.count))
	objs := make([]object, 0, n)
	for i := 0; i < n; i++ {
		if p := cdl.GoString(cdl.Call1(dyld.name, uintptr(i))); p != "" {
			objs = append(objs, object{path: p})
		}
	}
	return objs, gen, ok, nil
}
