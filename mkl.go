package blasctl

import "regexp"

// Intel MKL through its single dynamic library, libmkl_rt. Only the
// MixedCase exports are used: the lower-case ones take their arguments by
// pointer (Fortran convention) and crash when called by value.
var mklBackend = &backend{
	internalAPI: "mkl",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"libmkl_rt"},
	open:        openMKL,
}

// MKL_Set_Threading_Layer(-1) answers.
var mklLayers = map[int]string{
	-1: "not specified", 0: "intel", 1: "sequential", 2: "pgi", 3: "gnu", 4: "tbb",
}

var mklVersionRE = regexp.MustCompile(`Version ([^ ]+) `)

func openMKL(b *binder) *lib {
	getMax := b.sym("MKL_Get_Max_Threads")
	setNum := b.sym("MKL_Set_Num_Threads")
	if getMax == 0 || setNum == 0 {
		return nil
	}
	l := &lib{key: getMax}
	setLocal := b.sym("MKL_Set_Num_Threads_Local")
	l.proc = newKnob(mklGlobal{getMax: getMax, setNum: setNum, setLocal: setLocal}, ScopeProcess)
	if setLocal != 0 {
		l.thread = newKnob(mklLocal{getMax: getMax, setLocal: setLocal}, ScopeThread)
	}
	if p := b.sym("MKL_Get_Version_String"); p != 0 {
		if m := mklVersionRE.FindStringSubmatch(callBuf(p, 256)); m != nil {
			l.info.Version = m[1]
		}
	}
	// The layer is only chosen at MKL's first call, so make one first.
	if p := b.sym("MKL_Set_Threading_Layer"); p != 0 {
		call0(getMax)
		l.info.ThreadingLayer = mklLayers[int(int32(call1(p, uintptr(negOne))))]
	}
	return l
}

// negOne is -1 as a C int argument.
const negOne = ^uintptr(0)

// mklLocal is the calling thread's own count (MKL_Set_Num_Threads_Local),
// where 0 means "none set, follow the global count".
type mklLocal struct{ getMax, setLocal uintptr }

// get reads the local value: the setter is the only reader, so swap it out
// and back.
func (c mklLocal) get() int {
	prev := int(int32(call1(c.setLocal, 0)))
	call1(c.setLocal, uintptr(prev))
	return prev
}
func (c mklLocal) set(v int)    { call1(c.setLocal, uintptr(v)) }
func (c mklLocal) threads() int { return int(int32(call0(c.getMax))) }

// mklGlobal is the process-wide count (MKL_Set_Num_Threads). MKL has no
// getter for it: get reads MKL_Get_Max_Threads with this thread's local value
// cleared. MKL cannot unset its global count, so a restore writes the value
// that applied before.
type mklGlobal struct{ getMax, setNum, setLocal uintptr }

func (c mklGlobal) get() int {
	if c.setLocal == 0 {
		return c.threads()
	}
	prev := call1(c.setLocal, 0)
	v := c.threads()
	call1(c.setLocal, prev)
	return v
}
func (c mklGlobal) set(v int)    { call1(c.setNum, uintptr(v)) }
func (c mklGlobal) threads() int { return int(int32(call0(c.getMax))) }
