// Package openblas links OpenBLAS into blasgonum's tests (cgo,
// -lopenblas: Debian's libopenblas-dev) and reads and sets its thread count
// directly, not through blasctl. gonum.org/v1/netlib's cgo package calls
// the CBLAS functions this link provides. It builds only with cgo; only
// tests import it.
package openblas
