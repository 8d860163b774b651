package blasctl

import (
	"regexp"
	"unsafe"

	"github.com/blasctl/blasctl/internal/cdl"
)

// libblastrampoline (Julia's BLAS forwarder, libblastrampoline.so.5),
// claimed when the object defines lbt_get_num_threads and
// lbt_set_num_threads. Its count is one for the whole process
// (ScopeProcess): lbt_set_num_threads calls the setter of every library it
// forwards to, and lbt_get_num_threads returns the largest of their counts.
// The forwarded libraries are loaded objects too, which blasctl also limits
// with their own controls when it knows them. libblastrampoline can only read
// back the largest of their counts, so the restore writes that one value to
// every forwarded library: libraries it forwards to that had different counts
// end up sharing the largest.
//
// The forwarded libraries are reported (Library.Forwarded) from
// lbt_get_config for major version 5, whose layout blasctl knows; for any
// other version they are reported as unknown. libblastrampoline has no
// version call: the major version is read from the file name.
var lbtBackend = &backend{
	internalAPI: "blastrampoline",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"libblastrampoline"},
	open:        openLBT,
}

// lbtMajorRE finds the major version in libblastrampoline.so.5[.x.y],
// libblastrampoline.5.dylib or (Windows) libblastrampoline-5.dll.
var lbtMajorRE = regexp.MustCompile(`^libblastrampoline(?:\.so)?[.-](\d+)`)

func openLBT(b *binder) *lib {
	get, set := b.sym("lbt_get_num_threads"), b.sym("lbt_set_num_threads")
	if get == 0 || set == 0 {
		return nil
	}
	l := &lib{key: get, proc: newKnob(intCount{get, set}, ScopeProcess)}
	major := ""
	if m := lbtMajorRE.FindStringSubmatch(b.fileName()); m != nil {
		major = m[1]
	}
	config := b.sym("lbt_get_config")
	l.describe = func(info *Library) { info.Forwarded = lbtForwarded(config, major) }
	return l
}

// lbtForwarded reads lbt_config_t.loaded_libs, a NULL-terminated array of
// lbt_library_info_t pointers whose first field is libname, as laid out in
// every 5.x release.
func lbtForwarded(config uintptr, major string) *ForwardedLibraries {
	if config == 0 || major != "5" {
		return &ForwardedLibraries{}
	}
	cfg := cdl.Call0(config)
	libs := cdl.Peek(cfg, 0)
	if libs == 0 {
		return &ForwardedLibraries{}
	}
	f := &ForwardedLibraries{Known: true, Libraries: []string{}}
	const ptr = unsafe.Sizeof(uintptr(0))
	for i := uintptr(0); i < 256; i++ {
		info := cdl.Peek(libs, i*ptr)
		if info == 0 {
			break
		}
		f.Libraries = append(f.Libraries, cdl.GoString(cdl.Peek(info, 0)))
	}
	return f
}
