//go:build (linux && !amd64) || darwin || !(linux || darwin)

package cdl

// Run makes the calls of s in order, one Call each (the single-trip
// trampoline exists for linux/amd64 only).
func (s *Seq) Run() {
	for i := range s.n {
		s.Ret[i] = Call(s.fn[i], s.arg[i], 0)
	}
}
