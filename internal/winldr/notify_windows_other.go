//go:build windows && !amd64

package winldr

import "sync/atomic"

// Without the amd64 callback there are no notifications: every Check says
// so, and detection rescans on every call.
func notifyPC() uintptr { return 0 }

func readLocked(_, _ uintptr, _, _ *atomic.Uint64) (Generation, bool) { return Generation{}, false }
