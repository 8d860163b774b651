//go:build windows

package cdl

import "unsafe"

// SymDep returns name as module h sees it: its own export, else the export
// of a module it imports, searched breadth-first (its imports, then theirs),
// as dlsym through a handle searches an object's dependencies on Linux.
// GetProcAddress searches only the module itself. Only modules already
// loaded are searched (GetModuleHandleEx): nothing is loaded.
func SymDep(h uintptr, name string) uintptr {
	if p := Sym(h, name); p != 0 {
		return p
	}
	seen := map[uintptr]bool{h: true}
	queue := []uintptr{h}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, dll := range Imports(m) {
			d := OpenNoLoad(dll)
			if d == 0 || seen[d] {
				continue
			}
			seen[d] = true
			if p := Sym(d, name); p != 0 {
				return p
			}
			queue = append(queue, d)
		}
	}
	return 0
}

// Imports lists the DLL names in the import directory of the module loaded
// at base (its PE headers, mapped with it); nil when they cannot be read.
func Imports(base uintptr) []string {
	if base == 0 || peek16(base, 0) != 0x5a4d { // "MZ"
		return nil
	}
	nt := base + uintptr(peek32(base, 0x3c))
	if peek32(nt, 0) != 0x4550 { // "PE\0\0"
		return nil
	}
	opt := nt + 24
	if peek16(opt, 0) != 0x20b || peek32(opt, 108) < 2 { // PE32+, with an import directory entry
		return nil
	}
	rva := uintptr(peek32(opt, 112+8))
	if rva == 0 {
		return nil
	}
	var names []string
	for d := base + rva; ; d += 20 { // IMAGE_IMPORT_DESCRIPTOR
		nameRVA := peek32(d, 12)
		if nameRVA == 0 {
			return names
		}
		names = append(names, GoString(base+uintptr(nameRVA)))
	}
}

func peek32(p, off uintptr) uint32 {
	return *(*uint32)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&p)), off))
}

func peek16(p, off uintptr) uint16 {
	return *(*uint16)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&p)), off))
}
