//go:build race

package blasgonum

const raceEnabled = true
