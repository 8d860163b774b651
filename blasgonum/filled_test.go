package blasgonum

import "math"

// filled returns n values that are not exact in binary and mix signs, so
// that the order of a sum shows in its last bits.
func filled(n int, seed float64) []float64 {
	x := make([]float64, n)
	for i := range x {
		x[i] = math.Sin(float64(i)*0.7+seed) / 3
	}
	return x
}

// cfilled pairs the values of x into complex numbers.
func cfilled(x []float64) []complex128 {
	out := make([]complex128, len(x)/2)
	for i := range out {
		out[i] = complex(x[2*i], x[2*i+1])
	}
	return out
}
