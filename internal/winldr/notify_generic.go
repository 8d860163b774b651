//go:build windows && !amd64

package winldr

import "github.com/blasctl/blasctl/internal/loader"

// Without the amd64 callback there are no notifications: every Check
// reports Uncounted, and detection lists again on every call.
func notifyPC() uintptr { return 0 }

// readLocked is not reached without notifications.
func readLocked(_, _ uintptr) (loader.Generation, loader.Status) {
	return loader.Generation{}, loader.Uncounted
}
