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

// Forwarded returns the target ("OTHER.name" or "OTHER.#ordinal") of
// module h's export name when the module forwards it to another module;
// ok is false for an export of its own, or none. It reads the export
// directory itself, which GetProcAddress would follow.
func Forwarded(h uintptr, name string) (target string, ok bool) {
	opt, ok := optionalHeader(h)
	if !ok || peek32(opt, 108) < 1 {
		return "", false
	}
	dirRVA, dirSize := uintptr(peek32(opt, 112)), uintptr(peek32(opt, 116))
	if dirRVA == 0 {
		return "", false
	}
	dir := h + dirRVA
	nNames := int(peek32(dir, 24))
	funcs, names, ords := h+uintptr(peek32(dir, 28)), h+uintptr(peek32(dir, 32)), h+uintptr(peek32(dir, 36))
	// The name table is sorted: a binary search.
	lo, hi := 0, nNames
	for lo < hi {
		mid := (lo + hi) / 2
		c := cmpCString(h+uintptr(peek32(names, uintptr(4*mid))), name)
		switch {
		case c == 0:
			ord := uintptr(peek16(ords, uintptr(2*mid)))
			rva := uintptr(peek32(funcs, 4*ord))
			if rva >= dirRVA && rva < dirRVA+dirSize { // inside the directory: a forwarder string
				return GoString(h + rva), true
			}
			return "", false
		case c < 0:
			lo = mid + 1
		default:
			hi = mid
		}
	}
	return "", false
}

// cmpCString compares the C string at p with s, as strcmp does.
func cmpCString(p uintptr, s string) int {
	for i := 0; ; i++ {
		c := peek8(p, uintptr(i))
		switch {
		case i == len(s):
			if c == 0 {
				return 0
			}
			return 1
		case c < s[i]:
			return -1
		case c > s[i]:
			return 1
		}
	}
}

// optionalHeader returns the address of the PE32+ optional header of the
// module loaded at base.
func optionalHeader(base uintptr) (uintptr, bool) {
	if base == 0 || peek16(base, 0) != 0x5a4d { // "MZ"
		return 0, false
	}
	nt := base + uintptr(peek32(base, 0x3c))
	if peek32(nt, 0) != 0x4550 { // "PE\0\0"
		return 0, false
	}
	opt := nt + 24
	if peek16(opt, 0) != 0x20b { // PE32+
		return 0, false
	}
	return opt, true
}

// Imports lists the DLL names in the import directory of the module loaded
// at base (its PE headers, mapped with it); nil when they cannot be read.
func Imports(base uintptr) []string {
	opt, ok := optionalHeader(base)
	if !ok || peek32(opt, 108) < 2 { // no import directory entry
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

func peek8(p, off uintptr) byte {
	return *(*byte)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&p)), off))
}

func peek16(p, off uintptr) uint16 {
	return *(*uint16)(unsafe.Add(*(*unsafe.Pointer)(unsafe.Pointer(&p)), off))
}
