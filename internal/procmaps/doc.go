// Package procmaps parses the kernel's /proc/PID/maps listing into mapped
// files and their address ranges.
//
// blasctl lists loaded objects through the loader (internal/phdr), never
// through this file: dl_iterate_phdr is about 10x faster and names exactly
// what the loader has loaded. The parser is the independent witness the
// tests compare the loader's listing with (every listed object is mapped;
// nothing was loaded by a call), and the baseline of the detection
// benchmarks. It never touches the OS: callers pass the text.
package procmaps
