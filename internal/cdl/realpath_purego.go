//go:build (!linux || !amd64) && !windows

package cdl

// fastRealPath needs the Call trampoline; elsewhere paths resolve through
// filepath.EvalSymlinks.
func fastRealPath(string) (string, bool) { return "", false }
