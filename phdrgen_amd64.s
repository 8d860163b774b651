//go:build linux

#include "textflag.h"

// phdrGenCallback is a dl_iterate_phdr callback with the C calling
// convention, written as a leaf so that the loader never re-enters Go:
//
//	int cb(struct dl_phdr_info *info, size_t size, void *data)
//
// When size covers dlpi_adds and dlpi_subs (offsets 32 and 40 on 64-bit
// glibc), it stores them at data[0] and data[1] and sets data[2] to 1. It
// returns 1, so the loader stops after the first object. It uses only
// registers the C convention lets a callee clobber (AX) and no stack, so
// NOSPLIT|NOFRAME keeps the assembler from adding a Go prologue.
TEXT ·phdrGenCallback(SB), NOSPLIT|NOFRAME, $0-0
	CMPQ SI, $48
	JB   done
	MOVQ 32(DI), AX
	MOVQ AX, 0(DX)
	MOVQ 40(DI), AX
	MOVQ AX, 8(DX)
	MOVQ $1, 16(DX)

done:
	MOVL $1, AX
	RET

// phdrGenCallbackPC returns the address of phdrGenCallback's code.
TEXT ·phdrGenCallbackPC(SB), NOSPLIT, $0-8
	MOVQ $·phdrGenCallback(SB), AX
	MOVQ AX, ret+0(FP)
	RET
