module github.com/blasctl/blasctl/bench

go 1.25.0

require (
	github.com/blasctl/blasctl v0.0.0-20261206132814-1f152c7d436b
	github.com/ebitengine/purego v0.11.3
)

require golang.org/x/sys v0.47.0 // indirect
