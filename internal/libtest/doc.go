// Package libtest runs blasctl's tests against real library builds, one
// process per build: the test binary re-runs itself as a child (Child.Run),
// with one variable, ChildEnv, naming the build and the scenario, and the
// child loads the build with dlopen.
package libtest
