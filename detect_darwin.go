package blasctl

import "github.com/blasctl/blasctl/internal/dyld"

// The macOS seam of detection: dyld lists the images and callbacks count
// additions and removals (internal/dyld).

type (
	platformLoader = dyld.Loader
	objectID       = dyld.Identity
)
