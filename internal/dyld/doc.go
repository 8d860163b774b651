// Package dyld is the macOS loader's side of detection (loader.Seam): the
// images dyld has loaded, listed by index (_dyld_image_count,
// _dyld_get_image_name), and a load generation counted by callbacks
// registered once with _dyld_register_func_for_add_image and
// _dyld_register_func_for_remove_image.
//
// dyld gives no segment ranges through these calls, so Objects carry none
// (a symbol's owner is not checked on macOS), and nothing can be checked
// inside a cdl.Seq: the guard is loader.Unguarded. The bookkeeping that
// needs no dyld (images.go) builds and is tested on every platform.
package dyld
