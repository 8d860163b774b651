package blasctl

import (
	"fmt"
	"strings"

	"github.com/blasctl/blasctl/internal/cdl"
)

// NVIDIA NVPL BLAS (libnvpl_blas_lp64_gomp.so, ..._seq.so, ...), claimed
// when the object has nvpl_blas_get_max_threads and
// nvpl_blas_set_num_threads_local. blasctl limits it through the per-thread
// count nvpl_blas_set_num_threads_local (ScopeThread), for WithThreads and
// Limit alike: the process-wide nvpl_blas_set_num_threads has no getter, and
// its default 0 ("follow OpenMP") could not be put back exactly. A local
// value of 0 means "none, follow the global count", and is restored as such.
// blasctl reads the local value from what set_num_threads_local returns,
// which it takes to be the previous local value, as MKL's counterpart does
// (NVIDIA's documentation does not say).
var nvplBackend = &backend{
	internalAPI: "nvpl",
	userAPI:     UserAPIBLAS,
	prefixes:    []string{"libnvpl_blas"},
	open:        openNVPL,
}

func openNVPL(b *binder) *lib {
	getMax, setLocal := b.sym("nvpl_blas_get_max_threads"), b.sym("nvpl_blas_set_num_threads_local")
	if getMax == 0 || setLocal == 0 {
		return nil
	}
	l := &lib{key: getMax, thread: newKnob(localCount{getMax, setLocal}, ScopeThread)}
	if p := b.sym("nvpl_blas_get_version"); p != 0 {
		v := int(int32(cdl.Call0(p)))
		l.info.Version = fmt.Sprintf("%d.%d.%d", v/10000, v/100%100, v%100)
	}
	l.info.ThreadingLayer = layerFromName(b.fileName())
	return l
}

// layerFromName reads the threading layer from an NVPL file name: _gomp or
// _mp is OpenMP, _seq sequential. (Arm PL's layer is read from the OpenMP
// runtime it links instead.)
func layerFromName(name string) string {
	switch {
	case strings.Contains(name, "_gomp") || strings.Contains(name, "_mp"):
		return "openmp"
	case strings.Contains(name, "_seq"):
		return "disabled"
	}
	return ""
}
