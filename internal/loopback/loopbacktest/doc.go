// Package loopbacktest runs loopback sites (real nginx on 127.0.0.1 in
// front of a stand-in kumod) for tests: it skips them under -short, fails
// them (never skips) when nginx is missing, and stops every site it
// started when the test ends.
//
// It lives apart from package loopback so that the demo, which runs
// loopback sites in the kumoup binary, does not link package testing.
package loopbacktest
