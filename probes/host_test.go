package probes

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestHostNetworkAndDNSChecksAreInTheCatalogueInOrder(t *testing.T) {
	want := []string{
		"host.listener.loopback", "host.envfile.permissions", "host.envfile.values",
		"host.tokenfile.permissions", "host.tokens.distinct", "host.tokens.history",
		"host.systemd.envfile", "host.nginx.config", "host.policy.wired",
		"proxy.socks5", "webhook.reachable",
		"dns.domain", "dns.ptr", "dns.fcrdns", "dns.spf", "dns.egress.documentation",
	}
	var got []string
	for _, c := range Catalogue() {
		if slices.Contains(want, c.ID) {
			got = append(got, c.ID)
			if c.Title == "" || c.Run == nil {
				t.Errorf("%s has no title or no function", c.ID)
			}
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("catalogue order = %v, want %v", got, want)
	}
}

// listenerTarget is a target whose KumoMTA listener port is port.
func listenerTarget(port int) *Target {
	d := hostTestDeployment()
	d.Listener = fmt.Sprintf("127.0.0.1:%d", port)
	return &Target{Deployment: d}
}

func TestListenerBoundToLoopbackPasses(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	hostWant(t, r, StatusPass, fmt.Sprintf("127.0.0.1:%d only", port), "/proc/net/tcp")
}

func TestListenerOnLoopbackForBothFamiliesPasses(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	ln6, err := net.Listen("tcp6", fmt.Sprintf("[::1]:%d", port))
	if err != nil {
		t.Skipf("no IPv6 loopback here: %v", err)
	}
	defer ln6.Close()
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	hostWant(t, r, StatusPass, fmt.Sprintf("[::1]:%d", port))
}

func TestListenerBoundToEveryInterfaceFails(t *testing.T) {
	ln, err := net.Listen("tcp4", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	hostWant(t, r, StatusFail, fmt.Sprintf("0.0.0.0:%d (every interface)", port), "listen = '127.0.0.1:")
}

func TestListenerBoundToIPv6AnyFails(t *testing.T) {
	ln, err := net.Listen("tcp6", "[::]:0")
	if err != nil {
		t.Skipf("no IPv6 here: %v", err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	hostWant(t, r, StatusFail, fmt.Sprintf("[::]:%d (every interface)", port))
}

func TestListenerWarnsWhenNothingListens(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	r := hostRun(t, listenerTarget(port), "host.listener.loopback")
	hostWant(t, r, StatusWarn, "none")
}

func TestProcAddressesDecodeInHostByteOrder(t *testing.T) {
	// Lines as a little-endian kernel prints them.
	table := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
		"   0: 0100007F:1F40 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0\n" +
		"   1: 00000000:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0\n" +
		"   2: 0100007F:1F40 0100007F:D431 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 100 0 0 10 0\n"
	got, err := procListeners([]byte(table))
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:8000"), netip.MustParseAddrPort("0.0.0.0:80")}
	if !isLittleEndian() {
		t.Skip("sample lines are little-endian")
	}
	if !slices.Equal(got, want) {
		t.Errorf("LISTEN sockets = %v, want %v (the ESTABLISHED one excluded)", got, want)
	}
	for in, want := range map[string]string{
		"00000000000000000000000001000000:1F40": "[::1]:8000",
		"0000000000000000FFFF00000100007F:1F40": "[::ffff:127.0.0.1]:8000",
		"00000000000000000000000000000000:0019": "[::]:25",
	} {
		ap, err := parseProcAddr(in)
		if err != nil || ap.String() != want {
			t.Errorf("parseProcAddr(%q) = %v, %v; want %s", in, ap, err, want)
		}
	}
}

func isLittleEndian() bool {
	ap, _ := parseProcAddr("0100007F:0000")
	return ap.Addr() == netip.MustParseAddr("127.0.0.1")
}

func TestEnvFilePrivateToRootPasses(t *testing.T) {
	f := newHostFixture(t)
	r := hostRun(t, f.target, "host.envfile.permissions")
	if os.Geteuid() != 0 {
		hostWant(t, r, StatusFail, "owned by") // the writer chowns only as root
		return
	}
	hostWant(t, r, StatusPass, "0600 root:root")
}

func TestEnvFileReadableByOthersFails(t *testing.T) {
	f := newHostFixture(t)
	env := f.target.Layout.EnvFile()
	if err := os.Chmod(env, 0o644); err != nil {
		t.Fatal(err)
	}
	r := hostRun(t, f.target, "host.envfile.permissions")
	hostWant(t, r, StatusFail, "mode 0644", "chmod 600 "+env+" && chown root:root "+env)
}

func TestEnvFileOwnedByAnotherUserFails(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("changing a file's owner needs root")
	}
	f := newHostFixture(t)
	env := f.target.Layout.EnvFile()
	if err := os.Chown(env, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	r := hostRun(t, f.target, "host.envfile.permissions")
	hostWant(t, r, StatusFail, "owned by nobody", "chown root:root")
}

func TestEnvFileMissingFails(t *testing.T) {
	f := newHostFixture(t)
	os.Remove(f.target.Layout.EnvFile())
	hostWant(t, hostRun(t, f.target, "host.envfile.permissions"), StatusFail, "does not exist", "kumoup apply")
	hostWant(t, hostRun(t, f.target, "host.envfile.values"), StatusSkip, "does not exist")
}

func TestEnvFileWithAllValidValuesPasses(t *testing.T) {
	f := newHostFixture(t)
	hostWant(t, hostRun(t, f.target, "host.envfile.values"), StatusPass, "all 6 variables")
}

func TestEnvFileWithMissingOrInvalidValuesFailsWithoutShowingTheToken(t *testing.T) {
	f := newHostFixture(t)
	env := f.target.Layout.EnvFile()
	b, err := os.ReadFile(env)
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case strings.HasPrefix(line, "KUMOPROXY_HELO="):
			continue // missing
		case strings.HasPrefix(line, "PING8_WEBHOOK_TOKEN="):
			line = "PING8_WEBHOOK_TOKEN=" + hostTestWebhookToken[:20] // too short
		case strings.HasPrefix(line, "PING8_WEBHOOK_URL="):
			line = "PING8_WEBHOOK_URL=http://app.example.com/hook"
		}
		kept = append(kept, line)
	}
	hostWriteFile(t, env, strings.Join(kept, "\n"), 0o600)
	r := hostRun(t, f.target, "host.envfile.values")
	hostWant(t, r, StatusFail, "KUMOPROXY_HELO: is missing", "PING8_WEBHOOK_TOKEN: is 20 characters long", "use https://")
	if strings.Contains(r.Detail, hostTestWebhookToken[:20]) {
		t.Errorf("detail shows the (truncated) token: %s", r.Detail)
	}
}

func TestTokenIncludePrivateAndSiteFileCleanPasses(t *testing.T) {
	f := newHostFixture(t)
	r := hostRun(t, f.target, "host.tokenfile.permissions")
	if os.Geteuid() != 0 {
		hostWant(t, r, StatusFail, "owned by")
		return
	}
	hostWant(t, r, StatusPass, "0600 root:root", "0700", "holds no token")
}

func TestTokenIncludeReadableByOthersFails(t *testing.T) {
	f := newHostFixture(t)
	tok := f.target.Layout.TokenFile(f.target.Deployment.Domain)
	if err := os.Chmod(tok, 0o644); err != nil {
		t.Fatal(err)
	}
	hostWant(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "mode 0644", "chmod 600 "+tok)
}

func TestTokenDirectoryOpenToOthersFails(t *testing.T) {
	f := newHostFixture(t)
	dir := f.target.Layout.TokenDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	hostWant(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, dir+" is mode 0755", "chmod 700 "+dir)
}

func TestSiteFileWithTheTokenInlineFails(t *testing.T) {
	f := newHostFixture(t)
	site := f.target.Layout.SiteFile(f.target.Deployment.Domain)
	b, _ := os.ReadFile(site)
	hostWriteFile(t, site, strings.Replace(string(b), "    default 0;\n", "    default 0;\n    \"~^Bearer \\Q"+hostTestInjectionToken+"\\E$\" 1;\n", 1), 0o644)
	hostWant(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "contains the injection token", "world-readable")

	// Also a token kumoup does not know about.
	f.target.Deployment.InjectionToken = ""
	hostWriteFile(t, site, string(b)+"\n# map $http_authorization $x { \"Bearer abcdefghijklmnopqrstuvwxyz0123456789\" 1; }\n", 0o644)
	hostWant(t, hostRun(t, f.target, "host.tokenfile.permissions"), StatusFail, "contains a bearer token")
}

func TestDistinctTokensPass(t *testing.T) {
	f := newHostFixture(t)
	hostWant(t, hostRun(t, f.target, "host.tokens.distinct"), StatusPass, "differ")
}

func TestEqualTokensFail(t *testing.T) {
	f := newHostFixture(t)
	f.target.Deployment.WebhookToken = f.target.Deployment.InjectionToken
	hostWant(t, hostRun(t, f.target, "host.tokens.distinct"), StatusFail, "are the same", "KUMOUP_WEBHOOK_TOKEN=")
}

func TestCleanHistoriesPass(t *testing.T) {
	f := newHostFixture(t)
	hostWriteFile(t, f.path("/root/.bash_history"), "ls\nkumoup status\n", 0o600)
	hostWriteFile(t, f.path("/home/alice/.local/share/fish/fish_history"), "- cmd: ls\n  when: 1700000000\n", 0o600)
	hostWant(t, hostRun(t, f.target, "host.tokens.history"), StatusPass, "2 shell history files of 2 home directories", "1 readable answers files")
}

func TestTokenInAShellHistoryFailsNamingTheFile(t *testing.T) {
	for _, tc := range []struct {
		name, path, content, want string
	}{
		{"bash", "/root/.bash_history", "ls\ncurl -H 'Authorization: Bearer " + hostTestInjectionToken + "' https://mta.example.com/metrics\n", "the injection token in %s line 2"},
		{"zsh", "/home/alice/.zsh_history", ": 1700000000:0;export PING8_WEBHOOK_TOKEN=" + hostTestWebhookToken + "\n", "the webhook token in %s line 1"},
		{"fish", "/home/alice/.local/share/fish/fish_history", "- cmd: ls\n  when: 1\n- cmd: echo " + hostTestInjectionToken + "\n  when: 2\n", "the injection token in %s line 3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newHostFixture(t)
			path := f.path(tc.path)
			hostWriteFile(t, path, tc.content, 0o600)
			r := hostRun(t, f.target, "host.tokens.history")
			hostWant(t, r, StatusFail, fmt.Sprintf(tc.want, path), "rotate")
		})
	}
}

func TestTokenInAReadableAnswersFileFails(t *testing.T) {
	f := newHostFixture(t)
	answers := filepath.Join(filepath.Dir(f.target.Layout.AnswersFile()), "answers.yaml")
	hostWriteFile(t, answers, "domain: mta.example.com\ninjection_token: "+hostTestInjectionToken+"\n", 0o644)
	hostWant(t, hostRun(t, f.target, "host.tokens.history"), StatusFail, "the injection token in "+answers+" (mode 0644, line 2)", "chmod 600 "+answers)

	// The same file closed to others is where a secret may live.
	if err := os.Chmod(answers, 0o600); err != nil {
		t.Fatal(err)
	}
	hostWant(t, hostRun(t, f.target, "host.tokens.history"), StatusPass)
}

// startKumodStandIn runs a copy of sleep named kumod, so /proc/PID/comm is
// "kumod" like the real daemon's, and returns when it is running.
func startKumodStandIn(t *testing.T) (pid int, started time.Time) {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("sleep not found: %v", err)
	}
	b, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "kumod")
	if err := os.WriteFile(bin, b, 0o755); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	cmd := exec.Command(bin, "60")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	})
	for range 100 {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", cmd.Process.Pid))
		if strings.TrimSpace(string(comm)) == "kumod" {
			return cmd.Process.Pid, before
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("the kumod stand-in did not start")
	return 0, before
}

func setMtime(t *testing.T, path string, when time.Time) {
	t.Helper()
	if err := os.Chtimes(path, when, when); err != nil {
		t.Fatal(err)
	}
}

// The stand-in kumod processes of these subtests must not overlap: the
// check looks at the oldest kumod on the host.
func TestSystemdEnvFileAgainstTheRunningKumod(t *testing.T) {
	t.Run("restarted after the change passes", func(t *testing.T) {
		f := newHostFixture(t)
		hour := time.Now().Add(-time.Hour)
		setMtime(t, f.target.Layout.EnvFile(), hour)
		setMtime(t, f.target.Layout.SystemdDropIn(), hour)
		pid, _ := startKumodStandIn(t)
		r := hostRun(t, f.target, "host.systemd.envfile")
		hostWant(t, r, StatusPass, "kumoup.conf loads /etc/default/kumomta; kumomta started at", fmt.Sprintf("kumod pid %d", pid))
	})
	t.Run("env file changed after the start fails: restart needed", func(t *testing.T) {
		f := newHostFixture(t)
		setMtime(t, f.target.Layout.SystemdDropIn(), time.Now().Add(-time.Hour))
		_, started := startKumodStandIn(t)
		setMtime(t, f.target.Layout.EnvFile(), started.Add(3*time.Second))
		r := hostRun(t, f.target, "host.systemd.envfile")
		hostWant(t, r, StatusFail, "restart needed", f.target.Layout.EnvFile()+" changed at", "systemctl daemon-reload && systemctl restart kumomta")
	})
	t.Run("drop-in changed after the start fails", func(t *testing.T) {
		f := newHostFixture(t)
		setMtime(t, f.target.Layout.EnvFile(), time.Now().Add(-time.Hour))
		_, started := startKumodStandIn(t)
		setMtime(t, f.target.Layout.SystemdDropIn(), started.Add(3*time.Second))
		hostWant(t, hostRun(t, f.target, "host.systemd.envfile"), StatusFail, "restart needed", "kumoup.conf changed at")
	})
	t.Run("no kumod skips with the reason", func(t *testing.T) {
		f := newHostFixture(t)
		hostWant(t, hostRun(t, f.target, "host.systemd.envfile"), StatusSkip, "no kumod process")
	})
}

func TestSystemdDropInWithoutTheEnvFileFails(t *testing.T) {
	f := newHostFixture(t)
	hostWriteFile(t, f.target.Layout.SystemdDropIn(), "[Service]\n# EnvironmentFile=/etc/default/kumomta\nEnvironmentFile=-/etc/default/other\n[Unit]\nEnvironmentFile=/etc/default/kumomta\n", 0o644)
	hostWant(t, hostRun(t, f.target, "host.systemd.envfile"), StatusFail, "(kumoup.conf) has EnvironmentFile=/etc/default/kumomta", "EnvironmentFile=/etc/default/kumomta` under [Service]")

	os.Remove(f.target.Layout.SystemdDropIn())
	hostWant(t, hostRun(t, f.target, "host.systemd.envfile"), StatusFail, "no drop-in")
}

func TestEnvironmentFilesReadsOnlyTheServiceSection(t *testing.T) {
	got := environmentFiles([]byte("[Unit]\nEnvironmentFile=/a\n[Service]\n; comment\nEnvironmentFile=-/etc/default/kumomta /etc/x\n"))
	if !slices.Equal(got, []string{"/etc/default/kumomta", "/etc/x"}) {
		t.Errorf("environmentFiles = %v", got)
	}
}

// nginxTestConf is a self-contained nginx.conf under prefix; extra goes in
// the http block.
func nginxTestConf(t *testing.T, extra string) (conf, prefix string) {
	t.Helper()
	prefix = t.TempDir()
	for _, d := range []string{"logs", "tmp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf = filepath.Join(prefix, "nginx.conf")
	text := fmt.Sprintf(`pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log;
events {}
http {
    access_log off;
    client_body_temp_path %[1]s/tmp/body;
    proxy_temp_path %[1]s/tmp/proxy;
    fastcgi_temp_path %[1]s/tmp/fastcgi;
    uwsgi_temp_path %[1]s/tmp/uwsgi;
    scgi_temp_path %[1]s/tmp/scgi;
    server {
        listen 127.0.0.1:18443;
        location / { return 404; }
    }
%[2]s
}
`, prefix, extra)
	hostWriteFile(t, conf, text, 0o644)
	return conf, prefix
}

func TestNginxConfigThatTestsCleanPasses(t *testing.T) {
	hostNeed(t, "/usr/sbin/nginx", "nginx")
	conf, prefix := nginxTestConf(t, "")
	target := &Target{NginxBinary: "/usr/sbin/nginx", NginxConf: conf, NginxPrefix: prefix + "/"}
	hostWant(t, hostRun(t, target, "host.nginx.config"), StatusPass, "nginx -t -c "+conf, "test is successful")
}

func TestBrokenNginxConfigFailsWithItsFirstError(t *testing.T) {
	hostNeed(t, "/usr/sbin/nginx", "nginx")
	conf, prefix := nginxTestConf(t, "    bogus_directive on;\n")
	target := &Target{NginxBinary: "/usr/sbin/nginx", NginxConf: conf, NginxPrefix: prefix + "/", Deployment: hostTestDeployment()}
	r := hostRun(t, target, "host.nginx.config")
	hostWant(t, r, StatusFail, `[emerg] unknown directive "bogus_directive" in `+conf, "systemctl reload nginx")
}

func TestNginxErrorQuotingATokenIsMasked(t *testing.T) {
	hostNeed(t, "/usr/sbin/nginx", "nginx")
	conf, prefix := nginxTestConf(t, "    "+hostTestInjectionToken+" on;\n")
	target := &Target{NginxBinary: "/usr/sbin/nginx", NginxConf: conf, NginxPrefix: prefix + "/", Deployment: hostTestDeployment()}
	hostWant(t, hostRun(t, target, "host.nginx.config"), StatusFail, "unknown directive") // hostRun asserts the token is masked
}

func TestNginxNotInstalledSkips(t *testing.T) {
	target := &Target{NginxBinary: filepath.Join(t.TempDir(), "nginx")}
	hostWant(t, hostRun(t, target, "host.nginx.config"), StatusSkip, "nginx not installed")
}

func TestInitLuaRequiringTheModulePasses(t *testing.T) {
	f := newHostFixture(t)
	hostWant(t, hostRun(t, f.target, "host.policy.wired"), StatusPass, "requires 'kumoup'")
}

func TestInitLuaWithoutTheRequireFailsWithTheLinesToAdd(t *testing.T) {
	f := newHostFixture(t)
	init := f.target.Layout.PolicyInit()
	hostWriteFile(t, init, "local kumo = require 'kumo'\n-- local kumoup = require 'kumoup'\n--[[\nlocal kumoup = require(\"kumoup\")\n]]\nlocal s = \"require 'kumoup' -- not code\"\nkumo.on('init', function() end)\n", 0o644)
	r := hostRun(t, f.target, "host.policy.wired")
	hostWant(t, r, StatusFail, "does not require 'kumoup'", "local kumoup = require 'kumoup'", "kumoup.setup_listener()")
}

func TestInitLuaRequiringWithParenthesesAndDoubleQuotesCounts(t *testing.T) {
	f := newHostFixture(t)
	init := f.target.Layout.PolicyInit()
	b, _ := os.ReadFile(init)
	hostWriteFile(t, init, strings.ReplaceAll(strings.ReplaceAll(string(b), "require 'kumoup'", `require("kumoup")`), "'", `"`), 0o644)
	hostWant(t, hostRun(t, f.target, "host.policy.wired"), StatusPass)
}

func TestInitLuaRequiringButNotCallingTheModuleWarns(t *testing.T) {
	f := newHostFixture(t)
	init := f.target.Layout.PolicyInit()
	hostWriteFile(t, init, "package.path = '"+filepath.Dir(f.target.Layout.LuaModule())+"/?.lua;' .. package.path\nlocal kumoup = require 'kumoup'\n", 0o644)
	hostWant(t, hostRun(t, f.target, "host.policy.wired"), StatusWarn, "lacks", "kumo.on('get_egress_source', kumoup.egress_source)")
}

func TestInitLuaMissingFails(t *testing.T) {
	f := newHostFixture(t)
	os.Remove(f.target.Layout.PolicyInit())
	hostWant(t, hostRun(t, f.target, "host.policy.wired"), StatusFail, "does not exist", "install KumoMTA")
}

func TestSystemdShowOutputIsRead(t *testing.T) {
	at, reload, err := parseSystemdShow([]byte("ActiveState=active\nActiveEnterTimestamp=@1795306922\nNeedDaemonReload=yes\n"))
	if err != nil || !at.Equal(time.Unix(1795306922, 0)) || !reload {
		t.Errorf("active unit = %v, %v, %v", at, reload, err)
	}
	if _, _, err := parseSystemdShow([]byte("ActiveState=inactive\nActiveEnterTimestamp=\nNeedDaemonReload=no\n")); err == nil || !strings.Contains(err.Error(), "kumomta is inactive") {
		t.Errorf("inactive unit error = %v", err)
	}
	if _, _, err := parseSystemdShow([]byte("ActiveState=active\nActiveEnterTimestamp=Sun 2026-11-22 00:21:58 UTC\n")); err == nil {
		t.Error("a non-unix timestamp was accepted")
	}
}
