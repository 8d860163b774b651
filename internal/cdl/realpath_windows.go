//go:build windows

package cdl

// fastRealPath returns a module's path as the loader reports it, as
// threadpoolctl reports it on Windows (GetModuleFileNameEx, unresolved):
// DLLs are not loaded through links there, and filepath.EvalSymlinks costs
// a FindFirstFile per path element (about 1 ms a path under Wine 8, 60% of
// a scan's time).
func fastRealPath(path string) (string, bool) { return path, path != "" }
