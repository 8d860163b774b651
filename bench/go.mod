module github.com/blasctl/blasctl/bench

go 1.26.8

require (
	github.com/blasctl/blasctl v0.0.0-20261204040032-a3ff7585c948
	github.com/ebitengine/purego v0.11.3
)

require golang.org/x/sys v0.50.0 // indirect

