package blasctl

import "github.com/blasctl/blasctl/internal/phdr"

// The Linux seam of detection: the C library's loader lists the objects
// and counts loads and unloads (internal/phdr, dl_iterate_phdr).

type (
	platformLoader = phdr.Loader
	objectID       = phdr.Identity
)
