// Package libtest runs blasctl's tests against real library builds, one
// process per build: the test binary re-runs itself with BLASCTL_TEST_BUILD
// naming the build, and the child loads it with dlopen.
package libtest
