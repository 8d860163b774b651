//go:build !linux && !darwin && !windows

package blasctl

// Only Linux, macOS and Windows are supported: elsewhere every call reports
// ErrUnsupported and changes nothing.

func loaderGeneration() (generation, bool, error) { return generation{}, false, ErrUnsupported }

func listObjects() ([]object, generation, bool, error) {
	return nil, generation{}, false, ErrUnsupported
}
