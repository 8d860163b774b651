// Package winldr is the Windows loader's side of detection (loader.Seam):
// the list of the process's modules (K32EnumProcessModulesEx,
// GetModuleFileNameW, and K32GetModuleInformation for the modules the
// caller wants ranges of) and a load generation that moves with every
// module loaded or unloaded, counted by a notification callback registered
// once with ntdll's LdrRegisterDllNotification.
//
// The callback is a few instructions of assembly (notify_windows_amd64.s)
// that add one to a counter: the loader calls it on whatever thread loads
// or unloads a module, with its loader lock held, so it must not enter the
// Go runtime. Check reads the counters with two atomic loads. List reads
// them with the loader lock held (one C call that takes the lock, reads and
// gives it back), so that no load or unload is half done at the generation
// the list is paired with: Windows notifies an unload before the module
// leaves the list. On Windows other than amd64 (notify_generic.go) there
// is no callback: the generation is Uncounted and every call lists again.
//
// Nothing can be checked inside a cdl.Seq here: the guard is
// loader.Unguarded, and a scope checks the loader before its calls.
package winldr
