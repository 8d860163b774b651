package dyld

import (
	"sync"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
	"github.com/blasctl/blasctl/internal/loader"
	"github.com/ebitengine/purego"
)

// Loader is the macOS loader as detection sees it (loader.Seam).
type Loader struct{ loader.Unguarded }

// Identity is the identity type of Loader: it names no object.
type Identity = loader.NoIdentity

var _ loader.Seam[Identity] = Loader{}

// dyld lists images by index, and callbacks registered once count
// additions and removals: images holds everything but the dyld calls
// themselves.
var dyld struct {
	once   sync.Once
	ok     bool
	images images
}

func dyldInit() {
	sys := cdl.OpenNoLoad("/usr/lib/libSystem.B.dylib")
	if sys == 0 {
		return
	}
	count := cdl.Sym(sys, "_dyld_image_count")
	name := cdl.Sym(sys, "_dyld_get_image_name")
	onAdd := cdl.Sym(sys, "_dyld_register_func_for_add_image")
	onRemove := cdl.Sym(sys, "_dyld_register_func_for_remove_image")
	if count == 0 || name == 0 || onAdd == 0 || onRemove == 0 {
		return
	}
	dyld.images.count = func() int { return int(cdl.Call0(count)) }
	dyld.images.name = func(i int) string { return cdl.GoString(cdl.Call1(name, uintptr(i))) }
	cdl.Call1(onAdd, purego.NewCallback(func(_ unsafe.Pointer, _ uintptr) { dyld.images.added() }))
	cdl.Call1(onRemove, purego.NewCallback(func(_ unsafe.Pointer, _ uintptr) { dyld.images.removed() }))
	dyld.ok = true
}

// Check returns the counts of images added and removed; Unavailable where
// libSystem lacks the dyld calls.
func (Loader) Check() (loader.Generation, loader.Status) {
	dyld.once.Do(dyldInit)
	if !dyld.ok {
		return loader.Generation{}, loader.Unavailable
	}
	return dyld.images.generation(), loader.Counted
}

// List lists the dyld images, without segment ranges (want is ignored).
func (Loader) List(func(path string) bool) ([]loader.Object, loader.Generation, loader.Status) {
	dyld.once.Do(dyldInit)
	if !dyld.ok {
		return nil, loader.Generation{}, loader.Unavailable
	}
	objs, gen := dyld.images.list()
	return objs, gen, loader.Counted
}
