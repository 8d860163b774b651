module github.com/blasctl/blasctl/examples

go 1.26.0

require (
	github.com/blasctl/blasctl v0.0.0-20261206132814-1f152c7d436b
	github.com/ebitengine/purego v0.11.3
	gonum.org/v1/gonum v0.17.0
	gonum.org/v1/netlib v0.0.0-20190313105609-8cb42192e0e0
)

require (
	golang.org/x/exp v0.0.0-20261120182113-8801fbdfac81 // indirect
	golang.org/x/sys v0.47.0 // indirect
)
