//go:build linux && amd64

#include "go_asm.h"
#include "textflag.h"

// seqTrampoline(s *Seq) calls s.fn[i](s.a1[i], s.a2[i]) for i < s.n, with
// the C calling convention, storing each result in s.Ret[i]; with a guard
// (s.guard != 0) it stops after the first call unless the two words at
// s.guard equal s.want. It stores the number of calls made in s.ran.
// With s.self set, the first call's second argument is the address of
// s.scratch and s.guard the guarded words' offset in it plus 1. The field
// offsets come from go_asm.h; fn, a1, a2 and Ret are arrays of 8-byte
// words, indexed by R12. runtime.cgocall runs it on the system stack
// through asmcgocall, which passes s in DI with the stack aligned to 16 bytes
// before the call: the return address and three pushes of callee-saved
// registers (kept across the inner calls) restore that alignment for the
// inner calls.
TEXT seqTrampoline<>(SB), NOSPLIT|NOFRAME, $0-0
	PUSHQ BX
	PUSHQ R12
	PUSHQ R13
	MOVQ  DI, BX
	XORQ  R12, R12
	MOVQ  Seq_self(BX), AX
	TESTQ AX, AX
	JZ    loop
	LEAQ  Seq_scratch(BX), AX
	MOVQ  AX, Seq_a2(BX)

loop:
	CMPQ R12, Seq_n(BX)
	JAE  done
	MOVQ Seq_fn(BX)(R12*8), AX
	MOVQ Seq_a1(BX)(R12*8), DI
	MOVQ Seq_a2(BX)(R12*8), SI
	CALL AX
	MOVQ AX, Seq_Ret(BX)(R12*8)
	INCQ R12
	CMPQ R12, $1
	JNE  loop
	MOVQ Seq_guard(BX), R13
	TESTQ R13, R13
	JZ   loop
	MOVQ Seq_self(BX), AX
	TESTQ AX, AX
	JZ   check
	LEAQ (Seq_scratch-1)(BX)(R13*1), R13

check:
	MOVQ 0(R13), AX
	CMPQ AX, Seq_want(BX)
	JNE  done
	MOVQ 8(R13), AX
	CMPQ AX, (Seq_want+8)(BX)
	JNE  done
	JMP  loop

done:
	MOVQ R12, Seq_ran(BX)
	POPQ R13
	POPQ R12
	POPQ BX
	RET

// seqTrampolinePC returns the address of seqTrampoline's code.
TEXT ·seqTrampolinePC(SB), NOSPLIT, $0-8
	MOVQ $seqTrampoline<>(SB), AX
	MOVQ AX, ret+0(FP)
	RET

// seqRunNoSyscall(s *Seq) runs seqTrampoline on the system stack through
// runtime.asmcgocall(fn, arg), whose ABI0 arguments are fn at 0(SP) and arg
// at 8(SP), with its int32 result at 16(SP). It does not enter a system
// call: see Seq.RunNoSyscall.
TEXT ·seqRunNoSyscall(SB), NOSPLIT, $24-8
	MOVQ $seqTrampoline<>(SB), AX
	MOVQ AX, 0(SP)
	MOVQ s+0(FP), AX
	MOVQ AX, 8(SP)
	CALL runtime·asmcgocall(SB)
	RET
