//go:build !linux || !amd64

package blasctl

// fastRealPath needs the ccall trampoline; elsewhere paths resolve through
// filepath.EvalSymlinks.
func fastRealPath(string) (string, bool) { return "", false }
