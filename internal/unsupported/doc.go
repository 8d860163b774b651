// Package unsupported holds the test of blasctl's answer on platforms other
// than Linux, macOS and Windows (ErrUnsupported). It lives apart from the package's
// own tests, which need dlopen to build, so that it builds there:
// scripts/test-extra.sh vets it for freebsd and, where a runner exists, it runs.
package unsupported
