//go:build windows

package blasctl

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/blasctl/blasctl/internal/loader"
	"github.com/blasctl/blasctl/internal/winldr"
	"golang.org/x/sys/windows"
)

// mappedFiles is the process's module list as the loader keeps it: path ->
// image range (Windows has no /proc/self/maps; the toolhelp snapshot reads
// the same list).
func mappedFiles(t *testing.T) map[string][][2]uintptr {
	t.Helper()
	mods, _, st := winldr.Loader{}.List(func(string) bool { return true })
	if st == loader.Unavailable {
		t.Fatal("the process's modules cannot be listed")
	}
	m := make(map[string][][2]uintptr, len(mods))
	for _, mod := range mods {
		m[mod.Path] = append(m[mod.Path], mod.Segments...)
	}
	return m
}

// waitedChildren: Windows keeps no account of ended children; the live ones
// are checked (liveChildren) and the control starts one that stays alive
// until it is checked.
func waitedChildren(*testing.T) int64 { return 0 }

// liveChildren lists this process's children, from a toolhelp snapshot.
func liveChildren(t *testing.T) string {
	t.Helper()
	snap, err := windows.CreateToolhelp32Snapshot(windows.TH32CS_SNAPPROCESS, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer windows.CloseHandle(snap)
	me := windows.GetCurrentProcessId()
	var pe windows.ProcessEntry32
	pe.Size = uint32(unsafe.Sizeof(pe))
	var all []string
	for err = windows.Process32First(snap, &pe); err == nil; err = windows.Process32Next(snap, &pe) {
		if pe.ParentProcessID == me {
			all = append(all, strconv.Itoa(int(pe.ProcessID)))
		}
	}
	return strings.Join(all, " ")
}

// childControl starts cmd.exe reading its standard input, so that it stays
// alive, and checks that liveChildren sees it.
func childControl(t *testing.T) {
	t.Helper()
	cmd := exec.Command("cmd.exe")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	seen := strings.Contains(" "+liveChildren(t)+" ", " "+strconv.Itoa(cmd.Process.Pid)+" ")
	in.Close()
	_ = cmd.Wait()
	if !seen {
		t.Error("control: a live child process is not seen: the check proves nothing")
	}
}
