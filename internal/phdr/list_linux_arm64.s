#include "go_asm.h"
#include "textflag.h"

// phdrListCallback is the dl_iterate_phdr callback that lists the loaded
// objects, with the C calling convention (AAPCS64):
//
//	int cb(struct dl_phdr_info *info, size_t size, void *data)
//
// info in R0, size in R1, data in R2; the result in R0. It does what
// list_linux_amd64.s does, step for step: data is a phdrList
// (list_linux_asm.go) at the start of a Go heap buffer that also holds the
// object records and the name arena. For each object it copies, while the
// loader lock is held, dlpi_addr, the NUL-terminated dlpi_name (at most
// 4096 bytes, into the arena) and the p_vaddr and p_memsz of each PT_LOAD
// header, and, when size covers them, dlpi_adds and dlpi_subs. When the
// buffer is full it sets a bit of overflow and returns 1 to stop the walk;
// Go retries with a larger buffer. Otherwise it returns 0.
//
// It is a leaf: no call, no stack (NOSPLIT|NOFRAME: no Go prologue, the
// link register stays in R30), and only R0-R12, which the C convention
// lets a callee clobber. It leaves R18 (the platform register), R19-R28
// (callee-saved; R27 is also the Go assembler's temporary, which it uses
// only for offsets and constants too large for one instruction, and every
// one here is small) and R29-R30 alone. It runs on the C stack of the
// thread that called dl_iterate_phdr, and the loader never re-enters Go.
//
// Offsets come from go_asm.h: phdrList and phdrRecord are Go's
// (list_linux_asm.go); dlPhdrInfo and elfPhdr (walk_linux.go) mirror the
// C structs, which abi_linux_test.go pins.
//
// Registers: R0 info, R2 list, R8 the object's record.
TEXT ·phdrListCallback(SB), NOSPLIT|NOFRAME, $0-0
	// Generation counters.
	CMP  $const_sizeWithSubs, R1
	BLO  record
	MOVD dlPhdrInfo_adds(R0), R3
	MOVD R3, phdrList_adds(R2)
	MOVD dlPhdrInfo_subs(R0), R3
	MOVD R3, phdrList_subs(R2)
	MOVD $1, R3
	MOVD R3, phdrList_hasGen(R2)

record:
	// R8 = objs + nobjs*recSize, or stop when every record is taken.
	MOVD phdrList_nobjs(R2), R3
	MOVD phdrList_maxObjs(R2), R4
	CMP  R4, R3
	BHS  fullObjs
	MOVD phdrList_recSize(R2), R8
	MUL  R3, R8, R8
	MOVD phdrList_objs(R2), R4
	ADD  R4, R8, R8

	MOVD dlPhdrInfo_addr(R0), R3
	MOVD R3, phdrRecord_addr(R8)

	// Name: copy bytes up to the NUL into arena[arenaLen:].
	MOVD phdrList_arenaLen(R2), R10
	MOVD R10, phdrRecord_nameOff(R8)
	MOVD ZR, R5                      // bytes copied
	MOVD dlPhdrInfo_name(R0), R9
	CBZ  R9, named
	MOVD phdrList_arenaCap(R2), R11
	SUB  R10, R11, R11               // room left in the arena
	MOVD phdrList_arena(R2), R4
	ADD  R4, R10, R10                // destination
	MOVD $const_phdrMaxName, R6

nameLoop:
	MOVBU (R9)(R5), R3
	CBZ   R3, named
	CMP   R6, R5
	BHS   named                      // truncated, as cString does
	CMP   R11, R5
	BHS   fullArena
	MOVB  R3, (R10)(R5)
	ADD   $1, R5
	B     nameLoop

named:
	MOVD R5, phdrRecord_nameLen(R8)
	MOVD phdrList_arenaLen(R2), R3
	ADD  R5, R3, R3
	MOVD R3, phdrList_arenaLen(R2)

	// PT_LOAD headers: (p_vaddr, p_memsz) pairs after the record's header.
	MOVD  ZR, R5                     // segments stored
	MOVD  dlPhdrInfo_phdr(R0), R10
	MOVHU dlPhdrInfo_phnum(R0), R9
	CBZ   R10, segmented
	CBZ   R9, segmented
	MOVD  phdrList_maxSegs(R2), R12

segLoop:
	MOVWU elfPhdr_typ(R10), R3
	CMP   $const_ptLoad, R3
	BNE   segNext
	CMP   R12, R5
	BHS   fullSegs
	ADD   R5<<4, R8, R3              // 16 bytes a pair, as phdrSizes.recSize counts
	MOVD  elfPhdr_vaddr(R10), R11
	MOVD  R11, phdrRecord_segs(R3)
	MOVD  elfPhdr_memsz(R10), R11
	MOVD  R11, phdrRecord_segs+8(R3)
	ADD   $1, R5

segNext:
	ADD  $elfPhdr__size, R10
	SUBS $1, R9, R9
	BNE  segLoop

segmented:
	MOVD R5, phdrRecord_nsegs(R8)
	MOVD phdrList_nobjs(R2), R3
	ADD  $1, R3, R3
	MOVD R3, phdrList_nobjs(R2)
	MOVD ZR, R0
	RET

fullObjs:
	MOVD phdrList_overflow(R2), R3
	ORR  $const_phdrFullObjs, R3, R3
	MOVD R3, phdrList_overflow(R2)
	MOVD $1, R0
	RET

fullArena:
	MOVD phdrList_overflow(R2), R3
	ORR  $const_phdrFullArena, R3, R3
	MOVD R3, phdrList_overflow(R2)
	MOVD $1, R0
	RET

fullSegs:
	MOVD phdrList_overflow(R2), R3
	ORR  $const_phdrFullSegs, R3, R3
	MOVD R3, phdrList_overflow(R2)
	MOVD $1, R0
	RET

// phdrListCallbackPC returns the address of phdrListCallback's code.
TEXT ·phdrListCallbackPC(SB), NOSPLIT, $0-8
	MOVD $·phdrListCallback(SB), R0
	MOVD R0, ret+0(FP)
	RET
