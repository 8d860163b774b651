package blasctl

import "debug/elf"

// objectImports returns the names of the symbols the ELF object at path
// imports (its dynamic symbol table's undefined entries, without
// versions), read from the file: known is false when it cannot be read.
func objectImports(path string) (names []string, known bool) {
	f, err := elf.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	syms, err := f.ImportedSymbols()
	if err != nil {
		return nil, false
	}
	for _, s := range syms {
		names = append(names, s.Name)
	}
	return names, true
}
