package main

import (
	"strings"
	"testing"

	"github.com/blasctl/blasctl/internal/libtest"
)

// TestInfoWarnsOfThreadUnsafe: blasctl info warns of a build that is not
// safe to call from several threads at once (Debian's serial OpenBLAS,
// built without USE_LOCKING), naming its file, and of no other build (the
// serial one built with USE_LOCKING included); -json reports the same in
// thread_unsafe.
func TestInfoWarnsOfThreadUnsafe(t *testing.T) {
	for _, b := range libtest.Builds {
		t.Run(b.Name, func(t *testing.T) {
			if err := b.Check(); err != nil {
				libtest.Missing(t, "%v", err)
			}
			args := []string{"info"}
			for _, p := range b.Load {
				args = append(args, "-load", p)
			}
			_, errs, code := runCommand(t, b.Env, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			warned := strings.Contains(errs, "not safe to call from several threads")
			if warned != b.Unlocked {
				t.Errorf("warned %v, want %v; stderr %q", warned, b.Unlocked, errs)
			}
			if b.Unlocked && !strings.Contains(errs, "CallGuard") {
				t.Errorf("the warning names no remedy: %q", errs)
			}
			out, errs, code := runCommand(t, b.Env, append([]string{"info", "-json"}, args[1:]...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			if got := strings.Contains(out, `"thread_unsafe": true`); got != b.Unlocked {
				t.Errorf("-json reports thread_unsafe true: %v, want %v:\n%s", got, b.Unlocked, out)
			}
		})
	}
}
