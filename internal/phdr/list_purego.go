//go:build linux && !amd64

package phdr

// phdrListCallbackPC is 0: there is no assembly callback for this
// architecture, so listing and the generation check go through purego's.
func phdrListCallbackPC() uintptr { return 0 }

// generationAsm is not done: the check goes through the purego callback.
func generationAsm() (gen Generation, ok, done bool) { return Generation{}, false, false }

// listObjectsAsm is not done: listing goes through the purego callback.
func listObjectsAsm() (objs []Object, gen Generation, ok, done bool) {
	return nil, Generation{}, false, false
}
