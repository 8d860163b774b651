package blasctl

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidCount is returned for a thread count below 1; nothing changes.
	ErrInvalidCount = errors.New("blasctl: thread count must be at least 1")
	// ErrNilFunc is returned by WithThreads for a nil fn; nothing changes.
	ErrNilFunc = errors.New("blasctl: nil function")
	// ErrNotApplied matches a *CountError from entering a scope: a library
	// kept more threads than asked, so every change was undone and fn did not run.
	ErrNotApplied = errors.New("blasctl: thread count not applied")
	// ErrNotRestored matches a *CountError from leaving a scope: a library
	// reads back a value other than the one saved on entry.
	ErrNotRestored = errors.New("blasctl: thread count not restored")
	// ErrUnsupported is returned on platforms where blasctl cannot list the
	// loaded libraries (anything but Linux, macOS and Windows).
	ErrUnsupported = errors.New("blasctl: unsupported platform")
	// ErrWrongGoroutine is returned by a restore func called from a goroutine
	// other than the one that called Limit: per-thread settings can only be
	// restored on their own OS thread. Nothing changes; call it again from the
	// right goroutine.
	ErrWrongGoroutine = errors.New("blasctl: restore must run on the goroutine that called Limit")
	// ErrThreadChanged is returned by WithThreads, WithFairShare and a
	// Limit's restore when the scope or limit ends on an OS thread other than
	// the one it began on: fn (or the code between Limit and restore) called
	// runtime.UnlockOSThread more often than it locked, and the goroutine
	// moved. Nothing is changed on the thread it ended on. Process-wide
	// counts are put back as usual. Per-thread counts of the thread it began
	// on keep the scope's value until blasctl next begins a scope or Limit
	// on that thread, which first puts back the value they would have had.
	ErrThreadChanged = errors.New("blasctl: scope ended on another OS thread")
	// ErrBadCustom matches the error of any call that meets a library a
	// registered Custom cannot describe: its Open panicked, or returned a
	// control with a nil Get or Set, an unknown Scope, or without having
	// found a symbol with sym; or a control's Get, Set or Threads panicked
	// (the scope that met the panic undoes every other change). The error
	// names the Custom's InternalAPI; nothing changes, and calls work again
	// once it is unregistered.
	ErrBadCustom = errors.New("blasctl: bad Custom backend")
	// ErrInvalidFilter is returned by every call of a Controller that
	// Select built from a filter that can match nothing: the zero Filter, an
	// empty Prefix, or a UserAPI or InternalAPI name no backend has (names
	// match without regard to case). Nothing changes.
	ErrInvalidFilter = errors.New("blasctl: invalid filter")
)

// CountError reports a library whose thread count did not read back as
// expected. errors.Is(err, ErrNotApplied) or errors.Is(err, ErrNotRestored)
// tells which step failed.
type CountError struct {
	// Op is "apply" or "restore".
	Op string
	// Library is the library that disagreed.
	Library Library
	// Wanted is the count asked for (apply: the most allowed; restore: the
	// exact value saved).
	Wanted int
	// Got is what the library read back.
	Got int
}

// Error names the library, the step, and the counts wanted and read back.
func (e *CountError) Error() string {
	if e.Op == opApply {
		return fmt.Sprintf("blasctl: %s (%s) runs %d threads, wanted at most %d",
			e.Library.InternalAPI, e.Library.Filepath, e.Got, e.Wanted)
	}
	return fmt.Sprintf("blasctl: %s (%s) reads %d threads after restore, wanted %d",
		e.Library.InternalAPI, e.Library.Filepath, e.Got, e.Wanted)
}

// Is makes errors.Is match ErrNotApplied or ErrNotRestored.
func (e *CountError) Is(target error) bool {
	return (e.Op == opApply && target == ErrNotApplied) ||
		(e.Op == opRestore && target == ErrNotRestored)
}

const (
	opApply   = "apply"
	opRestore = "restore"
)

// threadChanged is ErrThreadChanged for a frame that began on thread from
// and ends on to, with the error of its release, if any.
func threadChanged(from, to int, release error) error {
	err := fmt.Errorf("%w: began on thread %#x, ended on %#x", ErrThreadChanged, from, to)
	if release != nil {
		return errors.Join(err, release)
	}
	return err
}

func invalidCount(n int) error {
	return fmt.Errorf("%w, got %d", ErrInvalidCount, n)
}

// errInvalidPolicy is the error of SetIdlePolicy for a policy it does not know.
func errInvalidPolicy(p IdlePolicy) error {
	return fmt.Errorf("blasctl: unknown idle policy %d", int(p))
}
