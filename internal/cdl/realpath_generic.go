//go:build (!linux || !amd64) && !windows

package cdl

// fastRealPath (C's realpath through Call) exists on linux/amd64 only;
// elsewhere paths resolve through filepath.EvalSymlinks.
func fastRealPath(string) (string, bool) { return "", false }
