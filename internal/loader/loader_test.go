package loader

import (
	"testing"

	"github.com/blasctl/blasctl/internal/cdl"
)

// TestNone: the loader of an unsupported platform is never available, and
// its guard starts nothing.
func TestNone(t *testing.T) {
	var l None
	if g, st := l.Check(); st != Unavailable || g != (Generation{}) {
		t.Errorf("Check = %v, %v", g, st)
	}
	if objs, g, st := l.List(func(string) bool { return true }); st != Unavailable || objs != nil || g != (Generation{}) {
		t.Errorf("List = %v, %v, %v", objs, g, st)
	}
	var s cdl.Seq
	if l.ChecksInSeq() || l.StartChecked(&s, Generation{}) || l.StartFound(&s, 1, l.Identify(1)) || s.Len() != 0 {
		t.Errorf("the guard of None added %d calls", s.Len())
	}
}

// TestStatusString names every status, and an unknown one by its number.
func TestStatusString(t *testing.T) {
	for st, want := range map[Status]string{Unavailable: "unavailable", Uncounted: "uncounted", Counted: "counted", 7: "Status(7)"} {
		if got := st.String(); got != want {
			t.Errorf("Status(%d).String() = %q, want %q", int(st), got, want)
		}
	}
}
