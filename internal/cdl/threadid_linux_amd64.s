//go:build linux && amd64

#include "textflag.h"

// threadPointer returns the word at %fs:0. The x86-64 TLS ABI keeps there
// the thread pointer itself, the address of the thread's control block,
// which is what pthread_self returns in glibc and musl (Go's threads are
// C threads whenever purego or cgo is linked, so FS is the C library's).
TEXT ·threadPointer(SB), NOSPLIT, $0-8
	// MOVQ %fs:0, AX
	BYTE $0x64; BYTE $0x48; BYTE $0x8b; BYTE $0x04; BYTE $0x25
	BYTE $0x00; BYTE $0x00; BYTE $0x00; BYTE $0x00
	MOVQ AX, ret+0(FP)
	RET
