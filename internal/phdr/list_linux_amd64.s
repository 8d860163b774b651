#include "go_asm.h"
#include "textflag.h"

// phdrListCallback is the dl_iterate_phdr callback that lists the loaded
// objects, with the C calling convention:
//
//	int cb(struct dl_phdr_info *info, size_t size, void *data)
//
// data is a phdrList (list_linux_amd64.go) at the start of a Go heap
// buffer that also holds the object records and the name arena. For each
// object it copies, while the loader lock is held, dlpi_addr, the
// NUL-terminated dlpi_name (at most 4096 bytes, into the arena) and the
// p_vaddr and p_memsz of each PT_LOAD header, and, when size covers them,
// dlpi_adds and dlpi_subs. When the buffer is full it sets a bit of
// overflow and returns 1 to stop the walk; Go retries with a larger buffer.
// Otherwise it returns 0.
//
// It is a leaf: no call, no stack, and only registers the C convention lets
// a callee clobber (AX, CX, DX, SI, DI, R8-R11), so NOSPLIT|NOFRAME keeps
// the assembler from adding a Go prologue and the loader never re-enters Go.
//
// Offsets come from go_asm.h: phdrList and phdrRecord are Go's
// (list_linux_amd64.go); dlPhdrInfo and elfPhdr (walk_linux.go) mirror the
// C structs, which abi_linux_test.go pins.
//
// Registers: DI info, DX list, R8 the object's record.
TEXT ·phdrListCallback(SB), NOSPLIT|NOFRAME, $0-0
	// Generation counters.
	CMPQ SI, $const_sizeWithSubs
	JB   record
	MOVQ dlPhdrInfo_adds(DI), AX
	MOVQ AX, phdrList_adds(DX)
	MOVQ dlPhdrInfo_subs(DI), AX
	MOVQ AX, phdrList_subs(DX)
	MOVQ $1, phdrList_hasGen(DX)

record:
	// R8 = objs + nobjs*recSize, or stop when every record is taken.
	MOVQ phdrList_nobjs(DX), AX
	CMPQ AX, phdrList_maxObjs(DX)
	JAE  fullObjs
	MOVQ phdrList_recSize(DX), R8
	IMULQ AX, R8
	ADDQ phdrList_objs(DX), R8

	MOVQ dlPhdrInfo_addr(DI), AX
	MOVQ AX, phdrRecord_addr(R8)

	// Name: copy bytes up to the NUL into arena[arenaLen:].
	MOVQ phdrList_arenaLen(DX), R10
	MOVQ R10, phdrRecord_nameOff(R8)
	XORL CX, CX                      // bytes copied
	MOVQ dlPhdrInfo_name(DI), R9
	TESTQ R9, R9
	JZ   named
	MOVQ phdrList_arenaCap(DX), R11
	SUBQ R10, R11                    // room left in the arena
	ADDQ phdrList_arena(DX), R10     // destination

nameLoop:
	MOVBLZX (R9)(CX*1), AX
	TESTB AL, AL
	JZ   named
	CMPQ CX, $const_phdrMaxName
	JAE  named                       // truncated, as cString does
	CMPQ CX, R11
	JAE  fullArena
	MOVB AL, (R10)(CX*1)
	INCQ CX
	JMP  nameLoop

named:
	MOVQ CX, phdrRecord_nameLen(R8)
	ADDQ CX, phdrList_arenaLen(DX)

	// PT_LOAD headers: (p_vaddr, p_memsz) pairs after the record's header.
	XORL CX, CX                      // segments stored
	MOVQ dlPhdrInfo_phdr(DI), R10
	MOVWQZX dlPhdrInfo_phnum(DI), R9
	TESTQ R10, R10
	JZ   segmented
	TESTQ R9, R9
	JZ   segmented

segLoop:
	CMPL elfPhdr_typ(R10), $const_ptLoad
	JNE  segNext
	CMPQ CX, phdrList_maxSegs(DX)
	JAE  fullSegs
	MOVQ CX, AX
	SHLQ $4, AX                      // 16 bytes a pair, as phdrSizes.recSize counts
	ADDQ R8, AX
	MOVQ elfPhdr_vaddr(R10), R11
	MOVQ R11, phdrRecord_segs(AX)
	MOVQ elfPhdr_memsz(R10), R11
	MOVQ R11, phdrRecord_segs+8(AX)
	INCQ CX

segNext:
	ADDQ $elfPhdr__size, R10
	DECQ R9
	JNZ  segLoop

segmented:
	MOVQ CX, phdrRecord_nsegs(R8)
	INCQ phdrList_nobjs(DX)
	XORL AX, AX
	RET

fullObjs:
	ORQ  $const_phdrFullObjs, phdrList_overflow(DX)
	MOVL $1, AX
	RET

fullArena:
	ORQ  $const_phdrFullArena, phdrList_overflow(DX)
	MOVL $1, AX
	RET

fullSegs:
	ORQ  $const_phdrFullSegs, phdrList_overflow(DX)
	MOVL $1, AX
	RET

// phdrListCallbackPC returns the address of phdrListCallback's code.
TEXT ·phdrListCallbackPC(SB), NOSPLIT, $0-8
	MOVQ $·phdrListCallback(SB), AX
	MOVQ AX, ret+0(FP)
	RET
