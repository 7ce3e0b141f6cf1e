//go:build race

package ui

// raceEnabled: timing assertions are meaningless under the race detector.
const raceEnabled = true
