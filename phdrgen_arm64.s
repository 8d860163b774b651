//go:build linux

#include "textflag.h"

// phdrGenCallback: see phdrgen_amd64.s. AAPCS64 passes info, size and data
// in R0, R1 and R2 and returns in R0; R3 is a scratch register.
TEXT ·phdrGenCallback(SB), NOSPLIT|NOFRAME, $0-0
	CMP  $48, R1
	BLO  done
	MOVD 32(R0), R3
	MOVD R3, 0(R2)
	MOVD 40(R0), R3
	MOVD R3, 8(R2)
	MOVD $1, R3
	MOVD R3, 16(R2)

done:
	MOVD $1, R0
	RET

// phdrGenCallbackPC returns the address of phdrGenCallback's code.
TEXT ·phdrGenCallbackPC(SB), NOSPLIT, $0-8
	MOVD $·phdrGenCallback(SB), R0
	MOVD R0, ret+0(FP)
	RET
