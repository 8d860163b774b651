/*
 * An OpenMP runtime look-alike (named libgomp_fault_*.so by the test) that
 * exports only the getter: its setter, if any, comes from a dependency.
 */

int omp_get_max_threads(void) { return 5; }
