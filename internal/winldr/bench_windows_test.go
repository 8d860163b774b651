package winldr

import (
	"testing"
	"unsafe"

	"github.com/blasctl/blasctl/internal/loader"
	"golang.org/x/sys/windows"
)

// What noticing a load or an unload costs: Check (two atomic loads of the
// counters the notification callback keeps), the counters read under the
// loader lock (List's first step), a full List, and the alternative the
// callback replaces, asking the loader for the module list and comparing
// it (one EnumProcessModulesEx).

func BenchmarkCheck(b *testing.B) {
	var ld Loader
	if _, st := ld.Check(); st != loader.Counted {
		b.Fatal("no notifications")
	}
	b.ReportAllocs()
	for b.Loop() {
		ld.Check()
	}
}

func BenchmarkLockedGeneration(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		lockedGeneration()
	}
}

func BenchmarkList(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, _, st := (Loader{}).List(nil); st == loader.Unavailable {
			b.Fatal("no listing")
		}
	}
}

func BenchmarkEnumModules(b *testing.B) {
	if procEnumProcessModEx.Find() != nil {
		b.Fatal("no K32EnumProcessModulesEx")
	}
	mods := make([]windows.Handle, 256)
	b.ReportAllocs()
	for b.Loop() {
		var need uint32
		if !enumProcessModulesEx(windows.CurrentProcess(), mods, &need) || int(need/uint32(unsafe.Sizeof(mods[0]))) > len(mods) {
			b.Fatal("EnumProcessModulesEx")
		}
	}
}

// Per scan of every module: the two ways to read a module's path, and the
// image size.
func listedModules(b *testing.B) []windows.Handle {
	m := make([]windows.Handle, 256)
	var need uint32
	if !enumProcessModulesEx(windows.CurrentProcess(), m, &need) {
		b.Fatal("EnumProcessModulesEx")
	}
	return m[:need/uint32(unsafe.Sizeof(m[0]))]
}

func BenchmarkFileNameEx(b *testing.B) {
	mods := listedModules(b)
	buf := make([]uint16, windows.MAX_PATH)
	for b.Loop() {
		for _, h := range mods {
			getModuleFileNameEx(windows.CurrentProcess(), h, buf)
		}
	}
	b.ReportMetric(float64(len(mods)), "modules")
}

func BenchmarkFileName(b *testing.B) {
	mods := listedModules(b)
	buf := make([]uint16, windows.MAX_PATH)
	for b.Loop() {
		for _, h := range mods {
			getModuleFileName(h, buf)
		}
	}
	b.ReportMetric(float64(len(mods)), "modules")
}

func BenchmarkImageSize(b *testing.B) {
	mods := listedModules(b)
	for b.Loop() {
		for _, h := range mods {
			imageSize(uintptr(h))
		}
	}
	b.ReportMetric(float64(len(mods)), "modules")
}
