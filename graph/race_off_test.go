//go:build !race

package graph_test

// raceEnabled tells volume tests that the race detector slows them down.
const raceEnabled = false
