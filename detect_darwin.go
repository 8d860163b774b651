//go:build darwin

package blasctl

import (
	"sync"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/ebitengine/purego"
)

// dyld lists images by index, and callbacks registered once count
// additions and removals: an imageLoader (detect.go) holds everything but the
// dyld calls themselves.
var dyld struct {
	once   sync.Once
	err    error
	images imageLoader
}

func dyldInit() {
	sys := cdl.OpenNoLoad("/usr/lib/libSystem.B.dylib")
	if sys == 0 {
		dyld.err = ErrUnsupported
		return
	}
	count := cdl.Sym(sys, "_dyld_image_count")
	name := cdl.Sym(sys, "_dyld_get_image_name")
	onAdd := cdl.Sym(sys, "_dyld_register_func_for_add_image")
	onRemove := cdl.Sym(sys, "_dyld_register_func_for_remove_image")
	if count == 0 || name == 0 || onAdd == 0 || onRemove == 0 {
		dyld.err = ErrUnsupported
		return
	}
	dyld.images.count = func() int { return int(cdl.Call0(count)) }
	dyld.images.name = func(i int) string { return cdl.GoString(cdl.Call1(name, uintptr(i))) }
	cdl.Call1(onAdd, purego.NewCallback(func(_ unsafe.Pointer, _ uintptr) { dyld.images.added() }))
	cdl.Call1(onRemove, purego.NewCallback(func(_ unsafe.Pointer, _ uintptr) { dyld.images.removed() }))
}

func loaderGeneration() (generation, bool, error) {
	dyld.once.Do(dyldInit)
	if dyld.err != nil {
		return generation{}, false, dyld.err
	}
	return dyld.images.generation(), true, nil
}

// listObjects lists the dyld images. dyld gives no segment ranges here, so
// symbol ownership is not checked on macOS.
func listObjects() ([]object, generation, bool, error) {
	dyld.once.Do(dyldInit)
	if dyld.err != nil {
		return nil, generation{}, false, dyld.err
	}
	objs, gen := dyld.images.list()
	return objs, gen, true, nil
}

func checksInSeq() bool { return false }

// startChecked reports false: the loader check cannot run in a sequence of
// C calls here (the caller checks on its own).
func startChecked(*cdl.Seq, generation) bool { return false }

func runChecked(s *cdl.Seq) bool { s.Run(); return false }

// objectID is empty: there is no lock-free lookup of a loaded object here.
type objectID struct{}

func identify(uintptr) objectID { return objectID{} }

// startFound reports false: see objectID.
func startFound(*cdl.Seq, uintptr, objectID) bool { return false }

func found(*cdl.Seq) bool { return false }
