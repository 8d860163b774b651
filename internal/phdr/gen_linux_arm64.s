#include "go_asm.h"
#include "textflag.h"

// genCallback is a dl_iterate_phdr callback with the C calling convention:
//
//	int cb(struct dl_phdr_info *info, size_t size, void *data)
//
// info in R0, size in R1, data (a genCounters) in R2. When size covers
// dlpi_adds and dlpi_subs it copies them and sets hasGen; it returns 1 to
// stop the walk at the first object. The offsets come from go_asm.h:
// dlPhdrInfo (walk_linux.go) mirrors the C struct, and genCounters is Go's.
// A leaf: it uses only R0-R3, which the C convention lets a callee
// clobber, and never calls, so the loader never re-enters Go.
TEXT ·genCallback(SB), NOSPLIT|NOFRAME, $0-0
	CMP  $const_sizeWithSubs, R1
	BLO  done
	MOVD dlPhdrInfo_adds(R0), R3
	MOVD R3, genCounters_adds(R2)
	MOVD dlPhdrInfo_subs(R0), R3
	MOVD R3, genCounters_subs(R2)
	MOVD $1, R3
	MOVD R3, genCounters_hasGen(R2)
done:
	MOVD $1, R0
	RET

// genCallbackPC returns the address of genCallback's code.
TEXT ·genCallbackPC(SB), NOSPLIT, $0-8
	MOVD $·genCallback(SB), R0
	MOVD R0, ret+0(FP)
	RET
