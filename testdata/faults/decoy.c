/*
 * Decoy: a library that is not a BLAS but exports the control symbols of
 * one. A fixture that lacks its own setter links against it; blasctl must
 * not bind the decoy's definitions to that fixture. The decoy's getters read
 * 77, a value no real library starts with.
 */

static int decoy_count = 77;
static int decoy_calls;

int openblas_get_num_threads(void) { return decoy_count; }
void openblas_set_num_threads(int n) { decoy_calls++; decoy_count = n; }
int omp_get_max_threads(void) { return decoy_count; }
void omp_set_num_threads(int n) { decoy_calls++; decoy_count = n; }
int decoy_set_calls(void) { return decoy_calls; }
