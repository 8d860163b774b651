module github.com/blasctl/blasctl/blasgonum

go 1.26.8

require (
	github.com/blasctl/blasctl v0.0.0-20261204040032-a3ff7585c948
	gonum.org/v1/gonum v0.17.0
	gonum.org/v1/netlib v0.0.0-20190313105609-8cb42192e0e0
)

require (
	github.com/ebitengine/purego v0.11.3 // indirect
	golang.org/x/sys v0.50.0 // indirect
)
