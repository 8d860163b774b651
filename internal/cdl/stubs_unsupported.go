//go:build !linux && !darwin && !windows

package cdl

// Only Linux, macOS and Windows have a loader blasctl can ask without
// loading code. Everywhere else these stubs stand in for the package: nothing
// opens, every call returns zero values, and blasctl reports ErrUnsupported
// before any of them could be reached.

// RTLDNoLoad is 0: there is no dlopen here.
const RTLDNoLoad = 0

// OpenNoLoad opens nothing here: it returns 0.
func OpenNoLoad(string) uintptr { return 0 }

// Close does nothing here.
func Close(uintptr) {}

// Sym finds nothing here: it returns 0.
func Sym(uintptr, string) uintptr { return 0 }

// SymDep finds nothing here: it returns 0.
func SymDep(uintptr, string) uintptr { return 0 }

// Call calls nothing here: it returns 0.
func Call(uintptr, uintptr, uintptr) uintptr { return 0 }

// Call0 calls nothing here: it returns 0.
func Call0(uintptr) uintptr { return 0 }

// Call1 calls nothing here: it returns 0.
func Call1(uintptr, uintptr) uintptr { return 0 }

// Call2 calls nothing here: it returns 0.
func Call2(uintptr, uintptr, uintptr) uintptr { return 0 }

// Call3 calls nothing here: it returns 0.
func Call3(uintptr, uintptr, uintptr, uintptr) uintptr { return 0 }

// CallBuf calls nothing here: it returns "".
func CallBuf(uintptr, int) string { return "" }

// CallStr calls nothing here: it returns 0.
func CallStr(uintptr, string) uintptr { return 0 }

// CallList calls nothing here: it returns "".
func CallList(uintptr, int) string { return "" }

// CallInts3 calls nothing here: it returns zeros.
func CallInts3(uintptr) (int, int, int) { return 0, 0, 0 }

// CallInts3Str calls nothing here: it returns zeros and "".
func CallInts3Str(uintptr) (int, int, int, string) { return 0, 0, 0, "" }

// ThreadID returns 0 here: there are no thread ids to tell apart.
func ThreadID() int { return 0 }

// ThreadMark returns 0 and false here: no thread marks.
func ThreadMark() (uintptr, bool) { return 0, false }

// SetThreadMark returns false here: no thread marks.
func SetThreadMark(uintptr) bool { return false }
