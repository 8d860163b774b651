//go:build linux

package cdl

// RTLDNoLoad is glibc's and musl's RTLD_NOLOAD; purego does not define it.
const RTLDNoLoad = 0x4
