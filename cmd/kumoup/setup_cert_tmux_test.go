package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kumoup/kumoup/acme"
	"github.com/kumoup/kumoup/internal/dnstest"
	"github.com/kumoup/kumoup/internal/netnstest"
	"github.com/kumoup/kumoup/internal/pebbletest"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// freshHost is a fresh Debian host for the wizard, as real as this
// machine allows without touching it: a throwaway network namespace (its
// own 127.0.0.1, ports 80 and 443 free), and, for every program run in
// it, a private mount namespace in which /etc, /var and /opt are overlays
// of this machine's (Debian's nginx with its default site, certbot) whose
// writes land in the test's directories, and /run is empty. kumoup runs
// there as root without --root: it writes /etc/nginx, /etc/default,
// /etc/letsencrypt..., runs `nginx -t` and starts and reloads nginx as on a
// host. The DNS server (internal/dnstest, on the namespace's port 53, named
// by the overlay's /etc/resolv.conf), pebble and a stand-in kumod on
// 127.0.0.1:8000 live in the namespace too. The empty /run also keeps
// systemctl (the wizard's later steps) away from this machine's systemd.
type freshHost struct {
	t    *testing.T
	ns   *netnstest.NS
	dns  *dnstest.Server
	dir  string // upper/ (what was written), work/, run/
	bin  string
	peb  *pebbletest.Server
	kumo *standin.Kumod
}

// freshHostName is the name the wizard is given (fillWizard's).
const freshHostName = "mta.example.com"

func newFreshHost(t *testing.T, addr string, withPebble bool) *freshHost {
	t.Helper()
	if testing.Short() {
		t.Skip("runs kumoup setup in a network namespace with nginx, pebble and certbot (-short)")
	}
	netnstest.Require(t, "nginx", "unshare", "tmux")
	if _, err := acme.FindCertbot(""); err != nil {
		t.Fatal(err)
	}
	h := &freshHost{t: t, ns: netnstest.New(t), dir: t.TempDir(), bin: buildKumoup(t)}
	for _, top := range []string{"etc", "var", "opt"} {
		fi, err := os.Stat("/" + top)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range []string{h.upper(top), filepath.Join(h.dir, "work", top)} {
			if err := os.MkdirAll(d, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		// The overlay's root takes the upper directory's mode: nginx's
		// workers (www-data) must traverse /var as on the host.
		if err := os.Chmod(h.upper(top), fi.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(h.runDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	// Fresh for kumoup even on a machine that holds a deployment or a
	// certificate for the name: the overlay hides them (whiteouts).
	for _, p := range []string{"etc/kumoup", "etc/letsencrypt/live/" + freshHostName, "etc/letsencrypt/renewal/" + freshHostName + ".conf"} {
		if _, err := os.Lstat("/" + p); err != nil {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(h.upper(p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Mknod(h.upper(p), syscall.S_IFCHR, 0); err != nil {
			t.Fatalf("hide /%s in the overlay: %v", p, err)
		}
	}
	// The host's resolver is the test's DNS server.
	if err := os.WriteFile(h.upper("etc/resolv.conf"), []byte("nameserver 127.0.0.1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := fmt.Sprintf(`set -e
mount --bind %[1]s/run /run
for d in etc var opt; do
	mount -t overlay overlay -o lowerdir=/$d,upperdir=%[1]s/upper/$d,workdir=%[1]s/work/$d /$d
done
exec "$@"
`, h.dir)
	if err := os.WriteFile(filepath.Join(h.dir, "enter.sh"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h.stopNginxAtCleanup()

	pc, err := h.ns.ListenPacket("udp4", "127.0.0.1:53")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := h.ns.Listen("tcp4", "127.0.0.1:53")
	if err != nil {
		t.Fatal(err)
	}
	h.dns, err = dnstest.Serve(dnstest.Zone{freshHostName: {"A " + addr}}, pc, ln)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.dns.Close() })
	// kumod's listener, the wizard's default 127.0.0.1:8000.
	if err := h.ns.Do(func() error {
		var err error
		h.kumo, err = standin.Start(context.WithoutCancel(t.Context()), standin.Config{Addr: "127.0.0.1:8000"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = h.kumo.Close() })
	if withPebble {
		if _, err := os.Stat(pebbletest.Binary); err != nil {
			t.Fatal(pebbletest.ErrNoPebble)
		}
		h.peb = pebbletest.New(t, pebbletest.Config{
			HTTPPort:  80,
			DNSServer: "127.0.0.1:53",
			Command: func(name string, args ...string) *exec.Cmd {
				return h.ns.Command(context.Background(), name, args...)
			},
			DialContext: h.ns.Dial,
		})
	}
	return h
}

// upper is where a path the host's programs wrote under /etc, /var or
// /opt is (rel without its leading slash).
func (h *freshHost) upper(rel string) string { return filepath.Join(h.dir, "upper", rel) }

func (h *freshHost) runDir() string { return filepath.Join(h.dir, "run") }

// written is a layout whose root holds what was written on the host.
func (h *freshHost) written() writer.Layout {
	return writer.Layout{Root: filepath.Join(h.dir, "upper")}
}

// inside is the shell command that runs argv on the host (its network
// and mount namespaces).
func (h *freshHost) inside(argv ...string) string {
	return strings.Join(append([]string{"ip", "netns", "exec", h.ns.Name, "unshare", "--mount", "--propagation", "private",
		"sh", filepath.Join(h.dir, "enter.sh")}, argv...), " ")
}

// run runs argv on the host and returns its output and exit code.
func (h *freshHost) run(argv ...string) (string, int) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := strings.Fields(h.inside(argv...))
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return out.String(), exit.ExitCode()
	case err != nil:
		h.t.Fatalf("%s: %v\n%s", strings.Join(argv, " "), err, out.String())
	}
	return out.String(), 0
}

// stopNginxAtCleanup stops, when the test ends, the nginx that kumoup
// started on the host: the master named by the host's /run/nginx.pid, and
// only when it runs in the test's network namespace.
func (h *freshHost) stopNginxAtCleanup() {
	h.t.Cleanup(func() {
		data, err := os.ReadFile(filepath.Join(h.runDir(), "nginx.pid"))
		if err != nil {
			return
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(data)))
		if err != nil || pid <= 1 {
			return
		}
		var want, got syscall.Stat_t
		if syscall.Stat("/run/netns/"+h.ns.Name, &want) != nil || syscall.Stat(fmt.Sprintf("/proc/%d/ns/net", pid), &got) != nil || want.Ino != got.Ino {
			return // gone, or not ours
		}
		_ = syscall.Kill(pid, syscall.SIGQUIT)
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		_ = syscall.Kill(pid, syscall.SIGKILL)
	})
}

// waitListening waits until addr accepts connections in the namespace.
func (h *freshHost) waitListening(addr string) {
	h.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := h.ns.Reachable(addr, time.Second)
		if ok {
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("%s does not accept connections: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// applyInTheWizard fills the wizard, applies, and goes on to the next
// steps, where the certificate step is offered.
func (h *freshHost) applyInTheWizard(s *screen) {
	h.t.Helper()
	s.fillWizard()
	s.WaitFor(`Write \d+ files?`, time.Minute)
	s.Keys("Enter")
	s.WaitFor("Every file is in place", time.Minute)
	s.Keys("Enter")
	s.waitFor("Auth secret")
	s.Keys("Enter")
	s.waitFor(`Obtain the certificate: the site is HTTP only`)
	s.waitFor("r: run the commands in order")
}

// noSecretIn fails when the scrollback holds a token written on the host.
func (h *freshHost) noSecretIn(all string) model.Deployment {
	h.t.Helper()
	d, err := writer.Load(h.written())
	if err != nil {
		h.t.Fatalf("the answers written on the host: %v", err)
	}
	if d.InjectionToken == "" || d.WebhookToken == "" {
		h.t.Fatal("no tokens in the deployment written on the host")
	}
	for _, tok := range []string{d.InjectionToken, d.WebhookToken} {
		if strings.Contains(all, tok) {
			h.t.Fatalf("a token is in the terminal's scrollback:\n%s", all)
		}
	}
	return d
}

// TestSetupObtainsTheCertificateOnAFreshHost is the operator's path, in a
// terminal: `sudo kumoup setup` on a fresh host, the wizard filled in and
// applied (the site HTTP only), then the certificate step: nginx started
// on the HTTP-only site, the pre-checks, Debian's certbot against pebble
// through the real webroot (pebble trusted through REQUESTS_CA_BUNDLE in
// kumoup's environment), the deploy hook, the full site and nginx reloaded.
// Afterwards `kumoup status --only edge,tls` passes with pebble's root as
// --ca-file.
func TestSetupObtainsTheCertificateOnAFreshHost(t *testing.T) {
	h := newFreshHost(t, "127.0.0.1", true)
	s := newScreen(t, "REQUESTS_CA_BUNDLE="+h.peb.CAFile+" "+
		h.inside(h.bin, "setup", "--server", h.peb.DirURL, "--resolver", "127.0.0.1:53"))
	h.applyInTheWizard(s)
	site, err := os.ReadFile(h.written().SiteFile(freshHostName))
	if err != nil || bytes.Contains(site, []byte("ssl_certificate")) || !bytes.Contains(site, []byte("acme-challenge")) {
		t.Fatalf("after the apply the site is not HTTP only (%v):\n%s", err, site)
	}

	s.Keys("r")
	seen := s.ScreensUntil(`Certificate obtained:|Not obtained:`, 2*time.Minute, 20*time.Millisecond)
	end := seen[len(seen)-1]
	// certbot's command and its own lines, shown as the step runs.
	certbotLine := regexp.MustCompile(`│ (Requesting a certificate for ` + regexp.QuoteMeta(freshHostName) + `|Successfully received certificate|Certificate is saved at|This certificate expires on)`)
	command, streamed := false, false
	for _, sc := range seen {
		running := strings.Contains(sc, "running") && !strings.Contains(sc, "Certificate obtained:")
		command = command || running && strings.Contains(sc, "│ $ certbot certonly --webroot -w /var/www/letsencrypt -d "+freshHostName)
		streamed = streamed || running && certbotLine.MatchString(sc)
	}
	if !command {
		t.Errorf("the certbot command was not shown while it ran; the %d screens seen:\n%s", len(seen), strings.Join(seen, "\n-----\n"))
	}
	if !streamed {
		t.Errorf("certbot's progress was not shown while it ran; the %d screens seen:\n%s", len(seen), strings.Join(seen, "\n-----\n"))
	}
	for _, want := range []string{"✓ serve port 80", "✓ check the name and port 80", "✓ obtain the certificate (certbot)",
		"✓ renewal: deploy hook that reloads nginx", "✓ write the full site and reload nginx", "Certificate obtained:"} {
		if !strings.Contains(end, want) {
			t.Errorf("the certificate step's screen lacks %q:\n%s", want, end)
		}
	}
	// The steps go on after the certificate: nginx -t passes on the full
	// site, and the nginx the certificate step started is reloaded as
	// kumoup cert reloads it, with a signal (no systemd here); the
	// systemd steps say they do not apply, and why.
	s.WaitFor(`r: run the commands in order`, time.Minute)
	steps := s.ScrollUntil(`Reload nginx (✓ done|✗ failed)\n {3}\S`, "Down", 80)
	if !strings.Contains(steps, "Check the nginx configuration ✓ done") {
		t.Errorf("nginx -t did not pass on the full site:\n%s", steps)
	}
	if !regexp.MustCompile(`Reload nginx ✓ done\n\s+nginx -s reload\n`).MatchString(steps) {
		t.Errorf("the wizard did not reload nginx with nginx -s reload:\n%s", steps)
	}
	for _, title := range []string{`Load the environment file \(systemd drop-in\)`, `Restart KumoMTA \(after editing init.lua\)`} {
		na := s.ScrollUntil(title+` - not applicable here\n {3}\S.*\n {3}│ .*\n {3}│ `, "Down", 80)
		if flat := strings.Join(strings.Fields(na), " "); !strings.Contains(flat, "systemd does not run on this host (no /run/systemd/system)") {
			t.Errorf("%s does not say why it does not apply:\n%s", title, na)
		}
	}
	s.Keys("q")
	s.WaitFor("EXIT=0", 30*time.Second)
	all := s.Scrollback()
	d := h.noSecretIn(all)

	live := h.upper("etc/letsencrypt/live/" + freshHostName)
	if d.TLSCertificate != "/etc/letsencrypt/live/"+freshHostName+"/fullchain.pem" {
		t.Errorf("tls_certificate %s, want certbot's path", d.TLSCertificate)
	}
	for _, f := range []string{"fullchain.pem", "privkey.pem"} {
		if fi, err := os.Stat(filepath.Join(live, f)); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("%s: %v, want certbot's file", filepath.Join(live, f), err)
		}
	}
	hook := h.upper("etc/letsencrypt/renewal-hooks/deploy/kumoup-reload-nginx")
	if fi, err := os.Stat(hook); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("deploy hook %s: %v %v, want mode 0755", hook, fi, err)
	}
	site, _ = os.ReadFile(h.written().SiteFile(freshHostName))
	for _, want := range []string{"443 ssl", "ssl_certificate     " + d.TLSCertificate + ";", "ssl_certificate_key " + d.TLSCertificateKey + ";"} {
		if !bytes.Contains(site, []byte(want)) {
			t.Errorf("the full site lacks %q:\n%s", want, site)
		}
	}

	// kumoup status on the host, pebble's root as the trusted CA.
	h.waitListening("127.0.0.1:443")
	roots, err := h.peb.Roots(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(h.dir, "pebble-root.pem")
	if err := os.WriteFile(caFile, roots, 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := h.run(h.bin, "status", "--only", "edge,tls", "--ca-file", caFile, "--resolver", "127.0.0.1:53", "--json")
	var doc statusJSON
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != exitOK {
		t.Fatalf("kumoup status: exit %d (%v), want 0\n%s", code, err, out)
	}
	for _, c := range doc.Checks {
		if c.Status != "pass" {
			t.Errorf("%s: %s: %s (remedy: %s)", c.ID, c.Status, c.Detail, c.Remedy)
		}
	}
	if len(doc.Checks) < 10 {
		t.Errorf("%d checks ran, want every edge and tls check", len(doc.Checks))
	}
	t.Logf("kumoup status: %d edge and tls checks pass; the steps:\n%s", len(doc.Checks), steps)
	if strings.Contains(out, d.InjectionToken) {
		t.Error("kumoup status printed the injection token")
	}
}

// TestSetupCertificateStepSaysWhyWhenTheNameResolvesElsewhere: the name
// points at another address; the step stops before asking the ACME
// server, the screen gives the cause and the fix (and offers n for a NAT),
// and the HTTP-only site stays in place, valid for `nginx -t`.
func TestSetupCertificateStepSaysWhyWhenTheNameResolvesElsewhere(t *testing.T) {
	h := newFreshHost(t, "192.0.2.44", false)
	s := newScreen(t, h.inside(h.bin, "setup", "--server", "https://127.0.0.1:1/dir"))
	h.applyInTheWizard(s)
	s.Keys("r")
	s.WaitFor(`Not obtained:|Certificate obtained:`, 2*time.Minute)
	end := s.WaitFor(`n: this host is behind NAT`, 30*time.Second)
	flat := strings.Join(strings.Fields(end), " ")
	for _, want := range []string{"✓ serve port 80", "✗ check the name and port 80", "Not obtained:", "192.0.2.44", "not an address of this host", "Fix:", "stays HTTP only"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the failed step's screen lacks %q:\n%s", want, end)
		}
	}
	if strings.Contains(end, "✓ obtain the certificate") {
		t.Errorf("certbot ran although the pre-check failed:\n%s", end)
	}
	s.Keys("q")
	s.WaitFor("EXIT=0", 30*time.Second)
	h.noSecretIn(s.Scrollback())

	if _, err := os.Stat(h.upper("etc/letsencrypt/live/" + freshHostName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("certbot's live directory exists (%v): nothing should have been asked", err)
	}
	site, err := os.ReadFile(h.written().SiteFile(freshHostName))
	if err != nil || bytes.Contains(site, []byte("ssl_certificate")) {
		t.Errorf("the site is no longer HTTP only (%v):\n%s", err, site)
	}
	if out, code := h.run("nginx", "-t"); code != 0 {
		t.Errorf("nginx -t on the host after the failure: exit %d\n%s", code, out)
	}
	// nginx serves the HTTP-only site: port 80 answers, 443 is not open.
	h.waitListening("127.0.0.1:80")
	if ok, _ := h.ns.Reachable("127.0.0.1:443", time.Second); ok {
		t.Error("port 443 is open on the HTTP-only site")
	}
}
