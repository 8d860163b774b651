//go:build linux && amd64

#include "go_asm.h"
#include "textflag.h"

// ccallTrampoline(c *ccallFrame) calls c.fn(c.a1, c.a2) with the C calling
// convention and stores the result in c.ret; the field offsets come from
// go_asm.h. runtime.cgocall runs it on the
// system stack through asmcgocall, which passes c in DI and aligns the
// stack to 16 bytes before the call; pushing BX (callee-saved, and kept
// across the inner call) restores that alignment for the inner call.
TEXT ccallTrampoline<>(SB), NOSPLIT|NOFRAME, $0-0
	PUSHQ BX
	MOVQ  DI, BX
	MOVQ  ccallFrame_a1(BX), DI
	MOVQ  ccallFrame_a2(BX), SI
	MOVQ  ccallFrame_fn(BX), AX
	CALL  AX
	MOVQ  AX, ccallFrame_ret(BX)
	POPQ  BX
	RET

// ccallTrampolinePC returns the address of ccallTrampoline's code.
TEXT ·ccallTrampolinePC(SB), NOSPLIT, $0-8
	MOVQ $ccallTrampoline<>(SB), AX
	MOVQ AX, ret+0(FP)
	RET
