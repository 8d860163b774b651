package blasctl

// AdmitEscapes is the number of WithFairShare calls that entered without
// admission after admitPatience without progress (admission.go).
func AdmitEscapes() int64 { return admit.escapes.Load() }
