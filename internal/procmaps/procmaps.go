package procmaps

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"
)

// Object is one mapped file: its path and address ranges [lo, hi).
type Object struct {
	Path     string
	Segments [][2]uintptr
}

// Parse reads the mapped files from a /proc/PID/maps listing: one Object
// per file, in order of first appearance, with its address ranges.
// Anonymous and pseudo mappings ([heap], [vdso], ...) are left out, and the
// kernel's " (deleted)" mark is dropped from the path.
func Parse(r io.Reader) ([]Object, error) {
	var objs []Object
	index := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		lo, hi, path, ok := ParseLine(sc.Text())
		if !ok {
			continue
		}
		i, seen := index[path]
		if !seen {
			i = len(objs)
			index[path] = i
			objs = append(objs, Object{Path: path})
		}
		objs[i].Segments = append(objs[i].Segments, [2]uintptr{lo, hi})
	}
	return objs, sc.Err()
}

// Self parses this process's own listing, /proc/self/maps.
func Self() ([]Object, error) {
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Parse(f)
}

// ParseLine splits "lo-hi perms offset dev inode   path"; the path may
// hold spaces. ok is false for lines without a file path.
func ParseLine(line string) (lo, hi uintptr, path string, ok bool) {
	rest := line
	var fields [5]string
	for i := range fields {
		rest = strings.TrimLeft(rest, " \t")
		end := strings.IndexAny(rest, " \t")
		if end < 0 {
			if i < 4 {
				return 0, 0, "", false
			}
			fields[i], rest = rest, ""
			break
		}
		fields[i], rest = rest[:end], rest[end:]
	}
	path = strings.TrimLeft(rest, " \t")
	path = strings.TrimSuffix(path, " (deleted)")
	if path == "" || path[0] != '/' {
		return 0, 0, "", false
	}
	a, b, found := strings.Cut(fields[0], "-")
	if !found {
		return 0, 0, "", false
	}
	l, err1 := strconv.ParseUint(a, 16, 64)
	h, err2 := strconv.ParseUint(b, 16, 64)
	if err1 != nil || err2 != nil || h < l {
		return 0, 0, "", false
	}
	return uintptr(l), uintptr(h), path, true
}
