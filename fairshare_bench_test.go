package blasctl

import "testing"

// BenchmarkWithFairShare is one warm WithFairShare on the loaded build
// (BLASCTL_BENCH_BUILD), next to the WithThreads(1) scope it adds to: alone
// (the share is GOMAXPROCS) and from GOMAXPROCS goroutines at once.
//
//	BLASCTL_BENCH_BUILD=openblas-pthread go test -run '^$' -bench 'FairShare' -benchmem
func BenchmarkWithFairShare(b *testing.B) {
	benchBuild(b)
	if _, err := Libraries(); err != nil {
		b.Fatal(err)
	}
	scopes := []struct {
		name string
		run  func() error
	}{
		{"fairshare", func() error { return WithFairShare(noop) }},
		{"withthreads", func() error { return WithThreads(1, noop) }},
	}
	for _, s := range scopes {
		b.Run(s.name, func(b *testing.B) {
			b.ReportAllocs()
			defer cpuPerOp(b)()
			for b.Loop() {
				if err := s.run(); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(s.name+"/parallel", func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.run(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
