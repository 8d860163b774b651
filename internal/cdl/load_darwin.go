//go:build darwin

package cdl

// RTLDNoLoad is macOS's RTLD_NOLOAD; purego does not define it.
const RTLDNoLoad = 0x10
