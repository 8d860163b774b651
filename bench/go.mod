module github.com/blasctl/blasctl/bench

go 1.26.8

require (
	github.com/blasctl/blasctl v0.0.0-20261204022550-299a8d9e4a94
	github.com/ebitengine/purego v0.11.3
)

require golang.org/x/sys v0.50.0 // indirect

