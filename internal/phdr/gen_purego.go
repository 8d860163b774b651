//go:build linux && !amd64 && !arm64

package phdr

// generationAsm is not done: the check goes through the purego callback.
func generationAsm() (gen Generation, ok, done bool) { return Generation{}, false, false }
