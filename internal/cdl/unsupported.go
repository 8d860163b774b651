//go:build !linux && !darwin && !windows

package cdl

// Only Linux, macOS and Windows have a loader blasctl can ask without loading code:
// here nothing opens, and blasctl reports ErrUnsupported before any of
// these could be reached.

// RTLDNoLoad is 0: there is no dlopen here.
const RTLDNoLoad = 0

func OpenNoLoad(string) uintptr                        { return 0 }
func Close(uintptr)                                    {}
func Sym(uintptr, string) uintptr                      { return 0 }
func SymDep(uintptr, string) uintptr                   { return 0 }
func Call(uintptr, uintptr, uintptr) uintptr           { return 0 }
func Call0(uintptr) uintptr                            { return 0 }
func Call1(uintptr, uintptr) uintptr                   { return 0 }
func Call2(uintptr, uintptr, uintptr) uintptr          { return 0 }
func Call3(uintptr, uintptr, uintptr, uintptr) uintptr { return 0 }
func CallBuf(uintptr, int) string                      { return "" }
func CallStr(uintptr, string) uintptr                  { return 0 }
func CallList(uintptr, int) string                     { return "" }
func CallInts3(uintptr) (int, int, int)                { return 0, 0, 0 }
func CallInts3Str(uintptr) (int, int, int, string)     { return 0, 0, 0, "" }
func ThreadID() int                                    { return 0 }
