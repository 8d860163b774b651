/* A stand-in bcryptprimitives.dll for Wine 8, which lacks it: Go's runtime
 * (1.24 and later) takes its random bytes from ProcessPrng there and stops
 * at start without it. ProcessPrng fills the buffer from RtlGenRandom
 * (advapi32's SystemFunction036), the generator Wine does have.
 * Built by scripts/install-windows.sh into the Wine prefix's system32. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
	while (size > 0) {
		ULONG n = size > 0x10000000 ? 0x10000000 : (ULONG)size;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		size -= n;
	}
	return TRUE;
}
