package blasctl

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// parseMaps reads the loaded objects from a /proc/PID/maps listing: one
// object per mapped file, in order of first appearance, with its address
// ranges. Anonymous and pseudo mappings ([heap], [vdso], ...) are left out,
// and the kernel's " (deleted)" mark is dropped from the path. It is the
// fallback lister where dl_iterate_phdr is missing, and the baseline the
// detection benchmarks compare with.
func parseMaps(r io.Reader) ([]object, error) {
	var objs []object
	index := map[string]int{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		lo, hi, path, ok := parseMapsLine(sc.Text())
		if !ok {
			continue
		}
		i, seen := index[path]
		if !seen {
			i = len(objs)
			index[path] = i
			objs = append(objs, object{path: path})
		}
		objs[i].segments = append(objs[i].segments, [2]uintptr{lo, hi})
	}
	return objs, sc.Err()
}

// parseMapsLine splits "lo-hi perms offset dev inode   path"; the path may
// hold spaces. ok is false for lines without a file path.
func parseMapsLine(line string) (lo, hi uintptr, path string, ok bool) {
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
