package cdl

import (
	"bytes"
	"testing"
	"unsafe"
)

// FuzzCString feeds CString buffers as a library might fill them: without a
// terminating NUL, with one anywhere, with any bytes.
func FuzzCString(f *testing.F) {
	f.Add([]byte("Intel(R) Math Kernel Library\x00junk"), 256)
	f.Add([]byte("no terminator"), 5)
	f.Add([]byte{0}, 1)
	f.Add([]byte{0xff, 0xfe, 0}, 3)
	f.Fuzz(func(t *testing.T, buf []byte, max int) {
		if len(buf) == 0 {
			return
		}
		if max < 0 || max > len(buf) {
			max = len(buf) // CString never reads past max, which callers size to the buffer
		}
		got := CString(unsafe.Pointer(&buf[0]), max)
		want := buf[:max]
		if i := bytes.IndexByte(want, 0); i >= 0 {
			want = want[:i]
		}
		if got != string(want) {
			t.Fatalf("CString(%q, %d) = %q, want %q", buf, max, got, want)
		}
	})
}
