#include "textflag.h"

// seqTrampoline(s *Seq) calls s.fn[i](s.arg[i]) for i < s.n, with the C
// calling convention, storing each result in s.Ret[i]. Layout of Seq: n at
// 0, fn at 8, arg at 40, Ret at 72. runtime.cgocall runs it on the system
// stack through asmcgocall, which passes s in DI with the stack aligned to
// 16 bytes before the call: the return address and three pushes of
// callee-saved registers (kept across the inner calls) restore that
// alignment for the inner calls.
TEXT seqTrampoline<>(SB), NOSPLIT|NOFRAME, $0-0
	PUSHQ BX
	PUSHQ R12
	PUSHQ R13
	MOVQ  DI, BX
	XORQ  R12, R12

loop:
	CMPQ R12, 0(BX)
	JAE  done
	MOVQ 8(BX)(R12*8), AX
	MOVQ 40(BX)(R12*8), DI
	CALL AX
	MOVQ AX, 72(BX)(R12*8)
	INCQ R12
	JMP  loop

done:
	POPQ R13
	POPQ R12
	POPQ BX
	RET

// seqTrampolinePC returns the address of seqTrampoline's code.
TEXT ·seqTrampolinePC(SB), NOSPLIT, $0-8
	MOVQ $seqTrampoline<>(SB), AX
	MOVQ AX, ret+0(FP)
	RET
