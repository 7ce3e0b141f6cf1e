// Package socks5test runs Debian's dante SOCKS5 server (danted) on
// loopback for tests: a real proxy, configured for the "no authentication"
// method KumoProxy and kumod use.
//
// [Start] writes a danted.conf in a temporary directory, runs
// `/usr/sbin/danted -f CONF -p PIDFILE -N 1` in the foreground on
// 127.0.0.1 and a free port, and waits until the port accepts connections.
// [Server.Stop] ends only the danted process it started. When danted is
// not installed the error names the fix: `apt-get install -y dante-server`.
package socks5test
