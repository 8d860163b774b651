//go:build !linux && !darwin && !windows

package blasctl

import "github.com/blasctl/blasctl/internal/loader"

// Only Linux, macOS and Windows are supported: elsewhere the loader is
// never available, so every call reports ErrUnsupported and changes
// nothing.

type (
	platformLoader = loader.None
	objectID       = loader.NoIdentity
)
