package phdr

// Object is one entry of the loader's list of loaded objects.
type Object struct {
	// Path is the name the loader knows the object by ("" for the main
	// program on glibc).
	Path string
	// Segments are the object's PT_LOAD address ranges [lo, hi).
	Segments [][2]uintptr
}

// Generation identifies one state of the loader's list: glibc's counts of
// objects ever added and removed (dlpi_adds, dlpi_subs). Any dlopen or
// dlclose that changes the list changes it.
type Generation struct{ Adds, Subs uint64 }
