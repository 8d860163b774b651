// Package tools pins the release tools of blasctl in a module of their
// own, so that the library's go.mod requires only what the library uses:
// modproxy serves the library from this repository's history as a module
// proxy would, and apidiff (golang.org/x/exp/cmd/apidiff) compares its
// exported API with the version the sub-modules require. RELEASING.md
// says how they are used.
package tools
