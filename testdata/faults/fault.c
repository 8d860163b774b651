/*
 * Fault-injection fixture: an OpenBLAS look-alike (pthreads layer, one
 * process-wide count) whose thread-count functions misbehave in the one way
 * chosen at compile time:
 *
 *   (none)          behaves: set stores, get reads what was stored
 *   -DFAULT_IGNORE  the setter ignores its argument
 *   -DFAULT_LIE     the getter reads one more than what is stored
 *   -DFAULT_CLAMP   the setter stores at most 2
 *   -DNO_SETTER     openblas_set_num_threads is not exported
 *   -DNO_INFO       only the getter and setter are exported (no config,
 *                   corename or parallel)
 *   -DCONFIG=...    what openblas_get_config returns
 *
 * fault_set_calls counts setter calls, so a test can tell whether blasctl
 * called into the library at all.
 */

#ifndef START
#define START 4
#endif
#ifndef CONFIG
#define CONFIG "OpenBLAS 0.3.99.fault NO_AFFINITY USE_OPENMP=0 Fault MAX_THREADS=64"
#endif

static int stored = START;
static int calls;

int openblas_get_num_threads(void) {
    int v = __atomic_load_n(&stored, __ATOMIC_SEQ_CST);
#ifdef FAULT_LIE
    return v + 1;
#else
    return v;
#endif
}

#ifndef NO_SETTER
void openblas_set_num_threads(int n) {
    __atomic_add_fetch(&calls, 1, __ATOMIC_SEQ_CST);
#if defined(FAULT_IGNORE)
    (void)n;
#elif defined(FAULT_CLAMP)
    __atomic_store_n(&stored, n > 2 ? 2 : n, __ATOMIC_SEQ_CST);
#else
    __atomic_store_n(&stored, n, __ATOMIC_SEQ_CST);
#endif
}
#endif

#ifndef NO_INFO
char *openblas_get_config(void) { return CONFIG; }
char *openblas_get_corename(void) { return "Fault"; }
int openblas_get_parallel(void) { return 1; }
#endif

int fault_set_calls(void) { return __atomic_load_n(&calls, __ATOMIC_SEQ_CST); }
