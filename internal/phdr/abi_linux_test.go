package phdr

import (
	"testing"
	"unsafe"
)

// TestCLayout pins the Go mirrors of the C structs, whose offsets the
// assembly callbacks read through go_asm.h, to the LP64 layouts: struct
// dl_phdr_info up to dlpi_subs, and Elf64_Phdr.
func TestCLayout(t *testing.T) {
	var info dlPhdrInfo
	var ph elfPhdr
	for _, c := range []struct {
		name      string
		got, want uintptr
	}{
		{"dl_phdr_info.dlpi_addr", unsafe.Offsetof(info.addr), 0},
		{"dl_phdr_info.dlpi_name", unsafe.Offsetof(info.name), 8},
		{"dl_phdr_info.dlpi_phdr", unsafe.Offsetof(info.phdr), 16},
		{"dl_phdr_info.dlpi_phnum", unsafe.Offsetof(info.phnum), 24},
		{"dl_phdr_info.dlpi_adds", unsafe.Offsetof(info.adds), 32},
		{"dl_phdr_info.dlpi_subs", unsafe.Offsetof(info.subs), 40},
		{"size covering dlpi_subs", sizeWithSubs, 48},
		{"Elf64_Phdr.p_type", unsafe.Offsetof(ph.typ), 0},
		{"Elf64_Phdr.p_vaddr", unsafe.Offsetof(ph.vaddr), 16},
		{"Elf64_Phdr.p_memsz", unsafe.Offsetof(ph.memsz), 40},
		{"sizeof(Elf64_Phdr)", unsafe.Sizeof(ph), 56},
	} {
		if c.got != c.want {
			t.Errorf("%s at %d, want %d", c.name, c.got, c.want)
		}
	}
}
