// Package acme obtains the site's certificate on a fresh host: it serves
// the HTTP-only site, checks what the ACME server will check (the name
// resolves to this host, port 80 serves the webroot through the name),
// runs Debian's certbot with --webroot, writes the deploy hook that
// reloads nginx after each renewal, then writes the full site.
//
// Nothing is left half-configured: until certbot has written the
// certificate the site stays HTTP only, which nginx accepts.
package acme

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// Let's Encrypt's ACME directories.
const (
	LetsEncrypt        = "https://acme-v02.api.letsencrypt.org/directory"
	LetsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory"
)

// CertbotBinary is where Debian's certbot package installs certbot.
const CertbotBinary = "/usr/bin/certbot"

// ErrNoCertbot is wrapped when certbot is not installed.
var ErrNoCertbot = errors.New("certbot is not installed: `apt-get install -y certbot`")

// Request is one certbot certonly --webroot run.
type Request struct {
	Domain  string
	Webroot string
	// Email is the account's contact; empty registers without one.
	Email string
	// Server is the ACME directory URL (LetsEncrypt when empty).
	Server string
	// ConfigDir, WorkDir and LogsDir are certbot's directories.
	ConfigDir, WorkDir, LogsDir string
	// Binary is certbot (CertbotBinary, else certbot in PATH, when empty).
	Binary string
	// Env is added to certbot's environment (REQUESTS_CA_BUNDLE in tests).
	Env []string
}

// NewRequest is the request that puts d's certificate where d names it
// (see writer.CertbotConfigDir), with certbot's work and logs directories
// under l. It fails when the paths are not certbot's.
func NewRequest(d model.Deployment, l writer.Layout) (Request, error) {
	dir, ok := writer.CertbotConfigDir(d)
	if !ok {
		return Request{}, fmt.Errorf("tls_certificate %s and tls_certificate_key %s are not certbot's paths (%s, %s): obtain that certificate the way it was issued, or remove both answers to use Let's Encrypt's",
			d.TLSCertificate, d.TLSCertificateKey, l.Path(model.CertificatePath(d.Domain)), l.Path(model.CertificateKeyPath(d.Domain)))
	}
	return Request{
		Domain:    d.Domain,
		Webroot:   l.Within(d.ACMEWebroot),
		Email:     d.ACMEEmail,
		ConfigDir: dir,
		WorkDir:   l.Path("/var/lib/letsencrypt"),
		LogsDir:   l.Path("/var/log/letsencrypt"),
	}, nil
}

// Args are certbot's arguments (no secret among them).
func (r Request) Args() []string {
	server := r.Server
	if server == "" {
		server = LetsEncrypt
	}
	args := []string{"certonly", "--webroot", "-w", r.Webroot, "-d", r.Domain,
		"--non-interactive", "--agree-tos", "--keep-until-expiring",
		"--server", server,
		"--config-dir", r.ConfigDir, "--work-dir", r.WorkDir, "--logs-dir", r.LogsDir}
	if r.Email != "" {
		args = append(args, "--email", r.Email, "--no-eff-email")
	} else {
		args = append(args, "--register-unsafely-without-email")
	}
	return args
}

// Command is the command line as an operator would type it.
func (r Request) Command() string {
	return "certbot " + strings.Join(r.Args(), " ")
}

// FindCertbot returns the certbot binary: bin when given, else certbot in
// PATH, else CertbotBinary. The error wraps ErrNoCertbot.
func FindCertbot(bin string) (string, error) {
	if bin != "" {
		return exec.LookPath(bin)
	}
	if p, err := exec.LookPath("certbot"); err == nil {
		return p, nil
	}
	if fi, err := os.Stat(CertbotBinary); err == nil && !fi.IsDir() {
		return CertbotBinary, nil
	}
	return "", fmt.Errorf("looked in PATH and %s: %w", CertbotBinary, ErrNoCertbot)
}

// Obtain runs certbot for r, passing each line it prints to line (which
// may be nil), and returns a *Failure naming the cause in plain words when
// it fails.
func Obtain(ctx context.Context, r Request, line func(string)) error {
	bin, err := FindCertbot(r.Binary)
	if err != nil {
		return &Failure{Cause: "certbot is not installed", Fix: "`apt-get install -y certbot`, then run this again", Err: err}
	}
	for _, dir := range []string{r.ConfigDir, r.WorkDir, r.LogsDir} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("create certbot's directory %s: %w", dir, err)
		}
	}
	cmd := exec.CommandContext(ctx, bin, r.Args()...)
	// certbot's lines as it prints them: Python buffers a pipe otherwise,
	// and the progress would arrive all at once at the end.
	cmd.Env = append(append(withoutTokens(os.Environ()), "PYTHONUNBUFFERED=1"), r.Env...)
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	var out []string
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			l := sc.Text()
			mu.Lock()
			out = append(out, l)
			mu.Unlock()
			if line != nil {
				line(l)
			}
		}
		_, _ = io.Copy(io.Discard, pr)
	}()
	runErr := cmd.Run()
	pw.Close()
	<-done
	if runErr == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("certbot: %w", ctx.Err())
	}
	f := Classify(r, strings.Join(out, "\n"))
	f.Output, f.Err = out, runErr
	return f
}

// withoutTokens is env without the variables that may carry kumoup's
// tokens (writer.EnvInjectionToken, writer.EnvWebhookToken, exported for
// kumoup apply): certbot, and every hook it runs, have no use for them.
func withoutTokens(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if name == writer.EnvInjectionToken || name == writer.EnvWebhookToken {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// CheckServerFlags checks the ACME server flags of kumoup cert and kumoup
// setup: --staging is --server LetsEncryptStaging, so not both.
func CheckServerFlags(staging bool, server string) error {
	if staging && server != "" {
		return errors.New("--staging and --server: give one (--staging is --server " + LetsEncryptStaging + ")")
	}
	return nil
}
