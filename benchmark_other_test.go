//go:build !linux

package blasctl

// threadCPU is not measured here: no cpu-ns/op metric.
func threadCPU() int64 { return -1 }
