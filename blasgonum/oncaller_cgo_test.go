//go:build cgo

package blasgonum

import (
	"testing"

	"github.com/blasctl/blasctl"
	"gonum.org/v1/gonum/blas"
)

// TestOpenBLASCutoffs calls the wrapper, with the linked OpenBLAS alone
// loaded, around a double that reads whether it runs inside the gate and
// inside a blasctl scope: below OpenBLAS's one-thread cut-off a call
// passes the gate and skips its scope (a gemv whose buffer is on the
// stack skips the gate too), above it a call keeps both; with
// the cut-offs off, as with any other BLAS loaded, the count-dependent
// calls keep their scope.
// TestOpenBLASCutoffBits checks the cut-offs against the libraries' bits.
func TestOpenBLASCutoffs(t *testing.T) {
	openBLASScope(t)
	look()
	if loaded.Load() != kindOpenBLAS {
		t.Fatalf("the wrapper does not read OpenBLAS alone loaded (kind %d)", loaded.Load())
	}
	const gated, scoped = 1, 2
	rec := &recorder{probe: func() int {
		r := 0
		if insideGate() > 0 {
			r |= gated
		}
		if blasctl.InScope() {
			r |= scoped
		}
		return r
	}}
	w := Wrap(fake{rec})
	a, c := make([]float64, 2*100*100), make([]float64, 100*100)
	z := make([]complex128, 100*100)
	cases := []struct {
		name      string
		call      func(w Implementation)
		want, gen int // with the cut-offs, and without
	}{
		{"Dgemm 16^3", func(w Implementation) { w.Dgemm(blas.NoTrans, blas.NoTrans, 16, 16, 16, 1, a, 16, a, 16, 0, c, 16) }, gated, gated},
		{"Dgemm 40^3", func(w Implementation) { w.Dgemm(blas.NoTrans, blas.NoTrans, 40, 40, 40, 1, a, 40, a, 40, 0, c, 40) }, gated, gated | scoped},
		{"Dgemm 64^3", func(w Implementation) { w.Dgemm(blas.NoTrans, blas.NoTrans, 64, 64, 64, 1, a, 64, a, 64, 0, c, 64) }, gated, gated | scoped},
		{"Dgemm 65^3", func(w Implementation) { w.Dgemm(blas.NoTrans, blas.NoTrans, 65, 65, 65, 1, a, 65, a, 65, 0, c, 65) }, gated | scoped, gated | scoped},
		{"Zgemm 8^3", func(w Implementation) { w.Zgemm(blas.NoTrans, blas.NoTrans, 8, 8, 8, 1, z, 8, z, 8, 0, z, 8) }, gated, gated},
		{"Zgemm 16^3", func(w Implementation) { w.Zgemm(blas.NoTrans, blas.NoTrans, 16, 16, 16, 1, z, 16, z, 16, 0, z, 16) }, gated, gated | scoped},
		{"Zgemm 33^3", func(w Implementation) { w.Zgemm(blas.NoTrans, blas.NoTrans, 33, 33, 33, 1, z, 33, z, 33, 0, z, 33) }, gated | scoped, gated | scoped},
		{"Dsyrk 16, k 16", func(w Implementation) { w.Dsyrk(blas.Upper, blas.NoTrans, 16, 16, 1, a, 16, 0, c, 16) }, gated, gated | scoped},
		{"Dsyrk 64, k 64", func(w Implementation) { w.Dsyrk(blas.Upper, blas.NoTrans, 64, 64, 1, a, 64, 0, c, 64) }, gated, gated | scoped},
		{"Dsyrk 100, k 8", func(w Implementation) { w.Dsyrk(blas.Upper, blas.NoTrans, 100, 8, 1, a, 8, 0, c, 100) }, gated | scoped, gated | scoped},
		{"Zherk 65, k 4", func(w Implementation) { w.Zherk(blas.Upper, blas.NoTrans, 65, 4, 1, z, 4, 0, z, 65) }, gated | scoped, gated | scoped},
		{"Dtrsm 16", func(w Implementation) {
			w.Dtrsm(blas.Left, blas.Upper, blas.NoTrans, blas.Unit, 16, 16, 1, a, 16, c, 16)
		}, gated, gated},
		{"Dtrsm 32", func(w Implementation) {
			w.Dtrsm(blas.Left, blas.Upper, blas.NoTrans, blas.Unit, 32, 32, 1, a, 32, c, 32)
		}, gated | scoped, gated | scoped},
		{"Dsymm 8 (threaded at every size)", func(w Implementation) {
			w.Dsymm(blas.Left, blas.Upper, 8, 8, 1, a, 8, a, 8, 0, c, 8)
		}, gated | scoped, gated | scoped},
		{"Dgemv 16x16", func(w Implementation) { w.Dgemv(blas.NoTrans, 16, 16, 1, a, 16, c, 1, 0, c, 1) }, 0, gated | scoped},
		{"Dgemv 96x95", func(w Implementation) { w.Dgemv(blas.NoTrans, 96, 95, 1, a, 95, c, 1, 0, c, 1) }, 0, gated | scoped},
		{"Dgemv 40x200 (buffer off the stack)", func(w Implementation) { w.Dgemv(blas.NoTrans, 40, 200, 1, a, 200, c, 1, 0, c, 1) }, gated, gated | scoped},
		{"Zgemv 50x50", func(w Implementation) { w.Zgemv(blas.NoTrans, 50, 50, 1, z, 50, z, 1, 0, z, 1) }, 0, gated | scoped},
		{"Dgemv 96x96", func(w Implementation) { w.Dgemv(blas.NoTrans, 96, 96, 1, a, 96, c, 1, 0, c, 1) }, gated | scoped, gated | scoped},
		{"Zgemv 64x64", func(w Implementation) { w.Zgemv(blas.NoTrans, 64, 64, 1, z, 64, z, 1, 0, z, 1) }, gated | scoped, gated | scoped},
	}
	check := func(rules string, want func(int, int) int) {
		for _, c := range cases {
			c.call(w)
			_, got := rec.take()
			if len(got) != 1 || got[0] != want(c.want, c.gen) {
				t.Errorf("%s, %s: ran with %v (1: in the gate, 2: in a scope), want %d", rules, c.name, got, want(c.want, c.gen))
			}
		}
	}
	check("OpenBLAS alone", func(want, _ int) int { return want })
	genericRules(t)
	check("the rules for every library", func(_, gen int) int { return gen })
}
