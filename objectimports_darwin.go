package blasctl

import (
	"debug/macho"
	"runtime"
	"slices"
	"strings"
)

// objectImports returns the names of the symbols the Mach-O object at path
// imports, without the leading underscore of C names, read from the file:
// known is false when it cannot be read (a library in the shared cache has
// no file). Of a universal file, the slice of the running architecture.
func objectImports(path string) (names []string, known bool) {
	var syms []string
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		if syms, err = f.ImportedSymbols(); err != nil {
			return nil, false
		}
	} else if ff, err := macho.OpenFat(path); err == nil {
		defer ff.Close()
		cpu := map[string]macho.Cpu{"amd64": macho.CpuAmd64, "arm64": macho.CpuArm64}[runtime.GOARCH]
		i := slices.IndexFunc(ff.Arches, func(a macho.FatArch) bool { return a.Cpu == cpu })
		if i < 0 {
			return nil, false
		}
		if syms, err = ff.Arches[i].ImportedSymbols(); err != nil {
			return nil, false
		}
	} else {
		return nil, false
	}
	for _, s := range syms {
		names = append(names, strings.TrimPrefix(s, "_"))
	}
	return names, true
}
