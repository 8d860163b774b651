// Package fblas calls the Fortran BLAS routines of a loaded library through
// purego, for blasctl's tests and benchmarks: every argument by pointer,
// then the hidden lengths of the character arguments.
package fblas
