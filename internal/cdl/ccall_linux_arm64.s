//go:build linux && arm64

#include "go_asm.h"
#include "textflag.h"

// ccallTrampoline(c *ccallFrame) calls c.fn(c.a1, c.a2) with the C calling
// convention and stores the result in c.ret; the field offsets come from
// go_asm.h. runtime.cgocall runs it on the
// system stack through asmcgocall, which passes c in R0 with the stack
// aligned to 16 bytes. R19 (callee-saved) holds c across the call; it and
// the link register are saved in one 16-byte slot, which keeps the
// alignment.
TEXT ccallTrampoline<>(SB), NOSPLIT|NOFRAME, $0-0
	STP.W (R19, R30), -16(RSP)
	MOVD  R0, R19
	MOVD  ccallFrame_a1(R19), R0
	MOVD  ccallFrame_a2(R19), R1
	MOVD  ccallFrame_fn(R19), R16
	CALL  (R16)
	MOVD  R0, ccallFrame_ret(R19)
	LDP.P 16(RSP), (R19, R30)
	RET

// ccallTrampolinePC returns the address of ccallTrampoline's code.
TEXT ·ccallTrampolinePC(SB), NOSPLIT, $0-8
	MOVD $ccallTrampoline<>(SB), R0
	MOVD R0, ret+0(FP)
	RET
