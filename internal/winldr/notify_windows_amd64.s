//go:build windows && amd64

#include "go_asm.h"
#include "textflag.h"

// Offsets come from go_asm.h: counters and lockedFrame are Go's
// (winldr_windows.go, notify_windows_amd64.go).

// notify is the LdrDllNotification callback, called by the loader with the
// Windows x64 convention: CX = reason (1 loaded, 2 unloaded), DX = data,
// R8 = the context given at registration (&counts, a counters). It
// touches no stack and no Go state: the loader calls it on any thread.
TEXT notify<>(SB),NOSPLIT|NOFRAME,$0
	CMPL	CX, $1
	JNE	unloaded
	LOCK
	INCQ	counters_adds(R8)
	RET
unloaded:
	LOCK
	INCQ	counters_subs(R8)
	RET

// func notifyPC() uintptr
TEXT ·notifyPC(SB),NOSPLIT,$0-8
	MOVQ	$notify<>(SB), AX
	MOVQ	AX, ret+0(FP)
	RET

// lockedRead runs on the system stack through runtime.cgocall, its
// argument (CX) a lockedFrame: lock, unlock, counts, adds, subs, status.
// It calls LdrLockLoaderLock(0, &disposition, &cookie), copies the two
// counters, then LdrUnlockLoaderLock(0, cookie) when the lock was taken.
// disposition and cookie live in its own frame, above the callee's 32
// bytes of home space the Windows x64 convention requires.
TEXT lockedRead<>(SB),NOSPLIT|NOFRAME,$0
	PUSHQ	BX
	MOVQ	CX, BX
	SUBQ	$48, SP	// 32 bytes of home space for the callee, disposition, cookie; SP stays 16-aligned
	MOVQ	$0, 32(SP)
	MOVQ	$0, 40(SP)
	XORL	CX, CX
	LEAQ	32(SP), DX
	LEAQ	40(SP), R8
	MOVQ	lockedFrame_lock(BX), AX
	CALL	AX
	MOVQ	AX, lockedFrame_status(BX)
	TESTL	AX, AX
	JNE	done
	MOVQ	lockedFrame_counts(BX), AX
	MOVQ	counters_adds(AX), CX
	MOVQ	CX, lockedFrame_adds(BX)
	MOVQ	counters_subs(AX), CX
	MOVQ	CX, lockedFrame_subs(BX)
	XORL	CX, CX
	MOVQ	40(SP), DX
	MOVQ	lockedFrame_unlock(BX), AX
	CALL	AX
done:
	ADDQ	$48, SP
	POPQ	BX
	RET

// func lockedReadPC() uintptr
TEXT ·lockedReadPC(SB),NOSPLIT,$0-8
	MOVQ	$lockedRead<>(SB), AX
	MOVQ	AX, ret+0(FP)
	RET
