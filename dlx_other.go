//go:build !linux && !darwin

package blasctl

// Never called: detection reports ErrUnsupported first.

func call3(uintptr, uintptr, uintptr, uintptr) uintptr { return 0 }
func callStr(uintptr, string) uintptr                  { return 0 }
func callList(uintptr, int) string                     { return "" }
func callInts3(uintptr) (int, int, int)                { return 0, 0, 0 }
func peek(uintptr, uintptr) uintptr                    { return 0 }
func callInts3Str(uintptr) (int, int, int, string)     { return 0, 0, 0, "" }
