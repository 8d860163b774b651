//go:build linux

package blasctl_test

import (
	"fmt"

	"github.com/blasctl/blasctl"
)

// A library blasctl does not know is added with Register. Here the "library"
// is the C library every Go program on Linux has loaded, and its count is a
// Go variable standing in for the vendor's own get and set functions (which
// a real controller would call with purego, as the symbols sym returns).
func ExampleRegister() {
	count := 4 // the vendor's process-wide count
	unregister, err := blasctl.Register(blasctl.Custom{
		InternalAPI: "example",
		UserAPI:     blasctl.UserAPIBLAS,
		Prefixes:    []string{"libc.so"},
		Open: func(sym func(string) uintptr) *blasctl.CustomControl {
			if sym("getpid") == 0 { // not the library we mean
				return nil
			}
			return &blasctl.CustomControl{
				Scope: blasctl.ScopeProcess,
				Get:   func() int { return count },
				Set:   func(n int) { count = n },
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer unregister()

	ctl := blasctl.Select(blasctl.InternalAPI("example"))
	libs, _ := ctl.Libraries()
	fmt.Println(libs[0].NumThreads, libs[0].Scope)
	_ = ctl.WithThreads(1, func() {
		libs, _ := ctl.Libraries()
		fmt.Println("inside:", libs[0].NumThreads)
	})
	fmt.Println("after:", count)
	// Output:
	// 4 process
	// inside: 1
	// after: 4
}
