package probes

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func (t *Target) procRoot() string {
	if t.ProcRoot != "" {
		return t.ProcRoot
	}
	return "/proc"
}

// procNetDir is where the kernel's socket tables are read: ProcRoot/net
// when ProcRoot is set, else /proc/thread-self/net, the namespace of the
// thread asking (/proc/net follows the main thread, which a test that
// entered another network namespace on it may have left there), falling
// back to /proc/net on kernels before 3.17.
func (t *Target) procNetDir() string {
	if t.ProcRoot != "" {
		return filepath.Join(t.ProcRoot, "net")
	}
	if _, err := os.Stat("/proc/thread-self/net/tcp"); err == nil {
		return "/proc/thread-self/net"
	}
	return "/proc/net"
}

// tcpListenState is the st column of a LISTEN socket in /proc/net/tcp.
const tcpListenState = "0A"

// procListeners returns the local addresses of LISTEN sockets in a
// /proc/net/tcp or tcp6 table.
func procListeners(table []byte) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	sc := bufio.NewScanner(strings.NewReader(string(table)))
	first := true
	for sc.Scan() {
		if first {
			first = false // header
			continue
		}
		f := strings.Fields(sc.Text())
		if len(f) < 4 {
			continue
		}
		if f[3] != tcpListenState {
			continue
		}
		ap, err := parseProcAddr(f[1])
		if err != nil {
			return nil, err
		}
		out = append(out, ap)
	}
	return out, sc.Err()
}

// procTCPListeners reads every LISTEN socket from the kernel's tcp and tcp6
// tables (see procNetDir), addresses unmapped, and names the tables read. A
// missing tcp6 table (IPv6 disabled) is not an error.
func procTCPListeners(t *Target) ([]netip.AddrPort, string, error) {
	var all []netip.AddrPort
	var read []string
	for _, name := range []string{"tcp", "tcp6"} {
		path := filepath.Join(t.procNetDir(), name)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) && name == "tcp6" {
			continue
		}
		if err != nil {
			return nil, "", err
		}
		ls, err := procListeners(b)
		if err != nil {
			return nil, "", fmt.Errorf("parse %s: %w", path, err)
		}
		read = append(read, path)
		for _, ap := range ls {
			all = append(all, netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()))
		}
	}
	return all, strings.Join(read, ", "), nil
}

// parseProcAddr decodes "0100007F:1F40" (IPv4) or a 32-digit IPv6 address
// and port. The kernel prints each 32-bit word of the address as a number
// in host byte order.
func parseProcAddr(s string) (netip.AddrPort, error) {
	hexAddr, hexPort, ok := strings.Cut(s, ":")
	if !ok {
		return netip.AddrPort{}, fmt.Errorf("socket address %q: no port", s)
	}
	port, err := strconv.ParseUint(hexPort, 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("socket address %q: port: %w", s, err)
	}
	raw, err := hex.DecodeString(hexAddr)
	if err != nil || (len(raw) != 4 && len(raw) != 16) {
		return netip.AddrPort{}, fmt.Errorf("socket address %q: not 8 or 32 hex digits", s)
	}
	b := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	a, _ := netip.AddrFromSlice(b)
	return netip.AddrPortFrom(a, uint16(port)), nil
}

// userHZ is the unit of process times in /proc (USER_HZ, 100 on Linux).
const userHZ = 100

// processStart is a running process and when it started.
type processStart struct {
	pid     int
	started time.Time
}

// oldestProcess finds the longest-running process whose command name
// (/proc/PID/comm) is comm, or ok=false when none runs.
func (t *Target) oldestProcess(comm string) (p processStart, ok bool, err error) {
	root := t.procRoot()
	entries, err := os.ReadDir(root)
	if err != nil {
		return p, false, fmt.Errorf("read %s: %w", root, err)
	}
	uptime, err := procUptime(root)
	if err != nil {
		return p, false, err
	}
	now := time.Now()
	var best uint64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		name, err := os.ReadFile(filepath.Join(root, e.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(name)) != comm {
			continue
		}
		ticks, err := procStartTicks(filepath.Join(root, e.Name(), "stat"))
		if err != nil {
			continue // exited meanwhile
		}
		if !ok || ticks < best {
			best, ok = ticks, true
			age := uptime - time.Duration(ticks)*time.Second/userHZ
			p = processStart{pid: pid, started: now.Add(-age)}
		}
	}
	return p, ok, nil
}

// procUptime reads the time since boot from /proc/uptime (centisecond
// precision, the same clock as process start times).
func procUptime(root string) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join(root, "uptime"))
	if err != nil {
		return 0, fmt.Errorf("read uptime: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("%s/uptime is empty", root)
	}
	secs, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return 0, fmt.Errorf("%s/uptime: %w", root, err)
	}
	return time.Duration(secs * float64(time.Second)), nil
}

// procStartTicks reads field 22 (starttime, in USER_HZ ticks since boot)
// of /proc/PID/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted after its last ')'.
func procStartTicks(statPath string) (uint64, error) {
	b, err := os.ReadFile(statPath)
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("%s: no command name", statPath)
	}
	f := strings.Fields(s[i+1:])
	const starttime = 22 - 3 // fields after ')' start at field 3
	if len(f) <= starttime {
		return 0, fmt.Errorf("%s: only %d fields", statPath, len(f)+2)
	}
	return strconv.ParseUint(f[starttime], 10, 64)
}
