// Package cfixture compiles C fixture libraries from testdata/ into a test's
// temporary directory with the system C compiler, so that no binary is ever
// committed.
package cfixture
