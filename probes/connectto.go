package probes

import (
	"fmt"
	"net"
	"strconv"
	"strings"
)

// ParseConnectTo reads a curl-style --connect-to value,
// "HOST:PORT:ADDR:PORT" (IPv6 literals in brackets), into the key and value
// of Target.ConnectTo: "HOST:PORT" is dialled as "ADDR:PORT" while the name
// (SNI, Host) stays HOST.
func ParseConnectTo(s string) (from, to string, err error) {
	parts, err := splitConnectTo(s)
	if err != nil {
		return "", "", err
	}
	for i, p := range parts {
		if p == "" {
			return "", "", fmt.Errorf("--connect-to %q: part %d is empty: give all four, HOST:PORT:ADDR:PORT, e.g. mta.example.com:443:127.0.0.1:8443", s, i+1)
		}
	}
	for _, i := range []int{1, 3} {
		if n, err := strconv.Atoi(parts[i]); err != nil || n < 1 || n > 65535 {
			return "", "", fmt.Errorf("--connect-to %q: %q is not a port (1-65535)", s, parts[i])
		}
	}
	host := strings.Trim(parts[0], "[]")
	addr := strings.Trim(parts[2], "[]")
	return net.JoinHostPort(host, parts[1]), net.JoinHostPort(addr, parts[3]), nil
}

// splitConnectTo splits on ':' outside brackets into exactly four parts.
func splitConnectTo(s string) ([]string, error) {
	var parts []string
	depth, start := 0, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '[':
			depth++
		case ']':
			depth--
		case ':':
			if depth == 0 {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
		if depth < 0 || depth > 1 {
			return nil, fmt.Errorf("--connect-to %q: unbalanced brackets", s)
		}
	}
	parts = append(parts, s[start:])
	if depth != 0 || len(parts) != 4 {
		return nil, fmt.Errorf("--connect-to %q: want HOST:PORT:ADDR:PORT (IPv6 in brackets), e.g. mta.example.com:443:127.0.0.1:8443", s)
	}
	return parts, nil
}
