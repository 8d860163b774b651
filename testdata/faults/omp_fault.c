/* An OpenMP runtime's per-thread count (omp_get_max_threads and
 * omp_set_num_threads, with the KMP entry point that makes it LLVM's
 * libomp) that misbehaves on purpose, alone in a process, where a scope's
 * hold, apply and read-back of the count make one trip into C:
 * FAULT_IGNORE drops every set, FAULT_LIE reads one more than is stored,
 * FAULT_CLAMP stores at most 2. Every thread starts at 3. */
static __thread int icv; /* 0: never set */
static int stored(void) { return icv ? icv : 3; }
int omp_get_max_threads(void) {
#ifdef FAULT_LIE
	return stored() + 1;
#else
	return stored();
#endif
}
void omp_set_num_threads(int n) {
#if defined(FAULT_IGNORE)
	(void)n;
#elif defined(FAULT_CLAMP)
	icv = n > 2 ? 2 : n;
#else
	icv = n;
#endif
}
void __kmpc_fork_call(void) {}
