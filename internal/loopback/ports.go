package loopback

import (
	"fmt"
	"net"
	"sync"
)

var (
	portsMu sync.Mutex
	given   = map[int]bool{}
)

// pickPort chooses the ports of a site (tests replace it).
var pickPort = freePort

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago and
// that this process has not handed out before (so parallel sites never get
// the same port from this package).
func freePort() (int, error) {
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 50 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("loopback: find a free port on 127.0.0.1: %w", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		if !given[port] {
			given[port] = true
			return port, nil
		}
	}
	return 0, fmt.Errorf("loopback: no fresh free port on 127.0.0.1 after 50 tries")
}
