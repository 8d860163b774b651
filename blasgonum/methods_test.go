package blasgonum

import (
	"reflect"
	"slices"
	"sync"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// fake is the generated test double (zfake_test.go): each method records
// its name, and what probe reads when it is called.
type fake struct{ rec *recorder }

type recorder struct {
	mu       sync.Mutex
	calls    []string
	readings []int
	probe    func() int
}

func (f fake) record(name string) {
	if f.rec == nil {
		return
	}
	reading := 0
	if f.rec.probe != nil {
		reading = f.rec.probe()
	}
	f.rec.mu.Lock()
	f.rec.calls = append(f.rec.calls, name)
	f.rec.readings = append(f.rec.readings, reading)
	f.rec.mu.Unlock()
}

// take returns and clears what was recorded.
func (r *recorder) take() (calls []string, readings []int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	calls, readings = r.calls, r.readings
	r.calls, r.readings = nil, nil
	return calls, readings
}

// gonumMethods are the methods of gonum's four BLAS interfaces, by name,
// with their types (no receiver), and the level interface each comes from.
func gonumMethods(t *testing.T) map[string]reflect.Type {
	t.Helper()
	out := map[string]reflect.Type{}
	for _, iface := range []reflect.Type{
		reflect.TypeFor[blas.Float32](), reflect.TypeFor[blas.Float64](),
		reflect.TypeFor[blas.Complex64](), reflect.TypeFor[blas.Complex128](),
	} {
		for i := range iface.NumMethod() {
			m := iface.Method(i)
			if prev, ok := out[m.Name]; ok && prev != m.Type {
				t.Fatalf("%s has two signatures in gonum's interfaces", m.Name)
			}
			out[m.Name] = m.Type
		}
	}
	return out
}

// levels maps each method to its level, from gonum's level interfaces.
func levels() map[string]int {
	out := map[string]int{}
	for level, ifaces := range [][]reflect.Type{
		1: {reflect.TypeFor[blas.Float32Level1](), reflect.TypeFor[blas.Float64Level1](), reflect.TypeFor[blas.Complex64Level1](), reflect.TypeFor[blas.Complex128Level1]()},
		2: {reflect.TypeFor[blas.Float32Level2](), reflect.TypeFor[blas.Float64Level2](), reflect.TypeFor[blas.Complex64Level2](), reflect.TypeFor[blas.Complex128Level2]()},
		3: {reflect.TypeFor[blas.Float32Level3](), reflect.TypeFor[blas.Float64Level3](), reflect.TypeFor[blas.Complex64Level3](), reflect.TypeFor[blas.Complex128Level3]()},
	} {
		for _, iface := range ifaces {
			for i := range iface.NumMethod() {
				out[iface.Method(i).Name] = level
			}
		}
	}
	return out
}

// methodTypes returns the exported methods of a concrete type, without
// the receiver.
func methodTypes(v any) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	rv := reflect.ValueOf(v)
	for i := range rv.NumMethod() {
		out[rv.Type().Method(i).Name] = rv.Method(i).Type()
	}
	return out
}

// TestMethodSets fails when gonum's interfaces have a method the generated
// wrapper (or its test double) lacks or declares differently: run
// go generate after updating gonum. The wrapper's only other methods are
// OnError and Adaptive.
func TestMethodSets(t *testing.T) {
	want := gonumMethods(t)
	if len(want) < 140 { // 142 in gonum v0.17.0
		t.Fatalf("only %d methods read from gonum's interfaces", len(want))
	}
	for name, v := range map[string]any{"Implementation": Implementation{}, "fake": fake{}} {
		got := methodTypes(v)
		for m, typ := range want {
			switch g, ok := got[m]; {
			case !ok:
				t.Errorf("%s lacks gonum's %s %v: run go generate", name, m, typ)
			case g != typ:
				t.Errorf("%s.%s is %v, gonum's is %v: run go generate", name, m, g, typ)
			}
		}
		for m := range got {
			if _, ok := want[m]; !ok && !(name == "Implementation" && (m == "OnError" || m == "Adaptive")) {
				t.Errorf("%s has %s, which gonum's interfaces do not", name, m)
			}
		}
	}
	lv := levels()
	for m := range want {
		if lv[m] == 0 {
			t.Errorf("%s is in no level interface", m)
		}
	}
}

// callAll calls every BLAS method of impl through reflect, with every int
// argument set to dim and every other argument zero, and returns the names
// in the order called.
func callAll(t *testing.T, impl any, dim int) []string {
	t.Helper()
	names := slices.Sorted(func(yield func(string) bool) {
		for m := range gonumMethods(t) {
			if !yield(m) {
				return
			}
		}
	})
	v := reflect.ValueOf(impl)
	for _, name := range names {
		fn := v.MethodByName(name)
		args := make([]reflect.Value, fn.Type().NumIn())
		for i := range args {
			in := fn.Type().In(i)
			args[i] = reflect.New(in).Elem()
			if in.Kind() == reflect.Int {
				args[i].SetInt(int64(dim))
			}
		}
		fn.Call(args)
	}
	return names
}

// TestForwarding calls every method of the wrapper, with small sizes (no
// scope) and large ones (a fair-share scope for Level 2 and 3), and checks
// that each reaches the wrapped method of the same name exactly once.
func TestForwarding(t *testing.T) {
	rec := &recorder{}
	w := Wrap(fake{rec})
	for _, dim := range []int{0, 1 << 9} {
		names := callAll(t, w, dim)
		calls, _ := rec.take()
		if !slices.Equal(calls, names) {
			t.Errorf("dims %d: the wrapped implementation saw %d calls, want %d: %v", dim, len(calls), len(names), calls)
		}
	}
}

func TestWrap(t *testing.T) {
	rec := &recorder{}
	w := Wrap(fake{rec})
	if again := Wrap(w); again.impl != w.impl {
		t.Errorf("Wrap of a wrapper made another wrapper")
	}
	defer func() {
		if r := recover(); r != "blasgonum: Wrap(nil)" {
			t.Errorf("Wrap(nil) panicked with %v", r)
		}
	}()
	Wrap(nil)
}

// TestWork checks the work each kind of call is measured by, against the
// thresholds.
func TestWork(t *testing.T) {
	for _, c := range []struct {
		name string
		got  float64
		want float64
	}{
		{"gemm 64", work3(64, 64, 64), 1 << 18},
		{"symm left", workSide(blas.Left, 2, 3), 2 * 3 * 2},
		{"symm right", workSide(blas.Right, 2, 3), 2 * 3 * 3},
		{"gemv 256", work2(256, 256), 1 << 16},
		{"band narrower than the matrix", workBand(100, 100, 3), 300},
		{"band wider than the matrix", workBand(100, 10, 300), 1000},
		{"band of a negative width", workBand(100, 10, -3), 0},
		{"gemm of 2^21 cubed (no overflow)", work3(1<<21, 1<<21, 1<<21), 1 << 63},
	} {
		if c.got != c.want {
			t.Errorf("%s: work %v, want %v", c.name, c.got, c.want)
		}
	}
	if minWork3 != 1<<14 || minFixedWork3 != work3(16, 16, 16)+1 || minWork2 != work2(256, 256) {
		t.Errorf("thresholds %v, %v, %v differ from the documented 2^14, 16^3+1 and 256^2", minWork3, minFixedWork3, minWork2)
	}
}

// TestNoAllocation: a scoped call allocates nothing (the closure stays on
// the stack, and a warm WithFairShare allocates nothing).
func TestNoAllocation(t *testing.T) {
	w := Wrap(fake{})
	const n = 512
	a := make([]float64, 1)
	for _, c := range []struct {
		name string
		call func()
	}{
		{"a Dgemm at the fixed count", func() { w.Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, a, n, 0, a, n) }},
		{"a fair-shared Dger", func() { w.Dger(n, n, 1, a, 1, a, 1, a, n) }},
		{"an adaptive Dgemm", func() { w.Adaptive().Dgemm(blas.NoTrans, blas.NoTrans, n, n, n, 1, a, n, a, n, 0, a, n) }},
		{"a Dsyrk at the fixed count", func() { w.Dsyrk(blas.Upper, blas.NoTrans, n, n, 1, a, n, 0, a, n) }},
		{"a Ddot at the fixed count", func() { w.Ddot(1<<14, a, 1, a, 1) }},
		{"an adaptive Dsyrk", func() { w.Adaptive().Dsyrk(blas.Upper, blas.NoTrans, n, n, 1, a, n, 0, a, n) }},
	} {
		for range 100 {
			c.call()
		}
		if allocs := testing.AllocsPerRun(1000, c.call); allocs != 0 {
			t.Errorf("%s allocates %v times", c.name, allocs)
		}
	}
}
