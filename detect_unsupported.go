//go:build !linux && !darwin

package blasctl

// Only Linux and macOS are supported: elsewhere every call reports
// ErrUnsupported and changes nothing.

func loaderGeneration() (generation, bool, error) { return generation{}, false, ErrUnsupported }

func listObjects() ([]object, generation, bool, error) {
	return nil, generation{}, false, ErrUnsupported
}
