//go:build (linux && !amd64) || darwin || !(linux || darwin)

package cdl

// Run makes the calls of s in order, one Call each (the single-trip
// trampoline exists for linux/amd64 only), and stops after the first
// where the guard does not hold.
func (s *Seq) Run() {
	s.ran = 0
	for i := range s.n {
		s.Ret[i] = Call(s.fn[i], s.a1[i], s.a2[i])
		s.ran++
		if i == 0 && s.guard != 0 && !s.guardHolds() {
			return
		}
	}
}
