// Package loader is the seam between blasctl's detection and the platform's
// dynamic loader: the types every loader package shares, and the contract
// (Seam) that internal/phdr (Linux), internal/dyld (macOS) and
// internal/winldr (Windows) each fulfil with a Loader type.
//
// A Loader has no state of its own: its methods are the package's answers,
// and blasctl's root package binds one Loader type per platform, so that the
// platform-neutral detection code calls every platform through the same
// names. A loader whose checks cannot run inside a cdl.Seq embeds
// Unguarded; None is the loader of a platform blasctl does not support.
package loader
