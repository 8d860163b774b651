//go:build windows && amd64

#include "textflag.h"

// func threadID() uint32
// The calling thread's id, as GetCurrentThreadId returns it, read from its
// TEB (GS base): ClientId.UniqueThread at offset 0x48.
TEXT ·threadID(SB),NOSPLIT,$0-4
	MOVQ	0x48(GS), AX
	MOVL	AX, ret+0(FP)
	RET
