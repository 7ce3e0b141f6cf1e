package loopback

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/kumoup/kumoup/internal/nginxrun"
	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/internal/testca"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// Defaults filled into Config.Deployment where it leaves a field empty.
const (
	DefaultDomain     = "mta.example.com"
	DefaultWebhookURL = "https://app.example.com/kumomta/events"
	DefaultProxyIP    = "203.0.113.10" // TEST-NET-3: a warning, not an error
)

// Config describes a loopback deployment. The zero value is a valid
// deployment of DefaultDomain with fresh tokens, a valid certificate and a
// stand-in kumod whose body limit matches the deployment's max_body.
type Config struct {
	// Deployment holds the answers. Empty fields get test defaults
	// (DefaultDomain, generated tokens, DefaultWebhookURL, DefaultProxyIP,
	// the certificate and ACME webroot under Dir, then model defaults).
	// Listener is always replaced by the stand-in kumod's address.
	Deployment model.Deployment
	// Dir holds everything (Dir/root is the layout root, Dir/nginx the
	// nginx prefix). Empty means a new temporary directory that Stop
	// removes. Dir is made 0755 (nginx workers must traverse it).
	Dir string
	// CA signs the site's certificate; nil means a new CA per site.
	CA *CA
	// Certificate chooses the certificate nginx serves (CertValid by default).
	Certificate CertKind
	// CertPEM and KeyPEM, when both set, are served instead (Certificate
	// and CA are then only used for the client's trust pool).
	CertPEM, KeyPEM []byte
	// Kumod configures the stand-in kumod Start runs. Its BodyLimit
	// defaults to the deployment's MaxBodyBytes, as kumoup's Lua module
	// sets request_body_limit; set it to simulate a kumod left at 2 MB.
	Kumod standin.Config
	// UseKumod, when set, is an already running stand-in used instead
	// (Kumod is ignored and Stop leaves it running).
	UseKumod *standin.Kumod
	// Mutate, when set, sees every file before it is written (each
	// rendered file under Dir/root, then the wrapping nginx.conf) and
	// returns the content to write: checks tests use it to break the
	// configuration (see the Break* helpers).
	Mutate func(path string, content []byte) []byte
	// NginxBinary is the nginx to run ("" finds it: see FindNginx).
	NginxBinary string
	// DebianDefaultSite adds Debian's sites-enabled/default server on the
	// HTTP port (default_server, serving DebianWelcome), as on a stock
	// Debian host where the site file must coexist with it.
	DebianDefaultSite bool
	// NoCertificate starts from a tree without the certificate, as on a
	// fresh host: no file is written at the certificate paths, the site is
	// rendered HTTP only (as kumoup apply renders it then), only the HTTP
	// port accepts until a certificate appears, and Reload never issues
	// one (package acme's tests obtain it from pebble).
	NoCertificate bool
	// Nginx, when set, is the nginx version the site is rendered for
	// instead of the version of the nginx that runs it (a test of what a
	// newer nginx's form does to an older nginx).
	Nginx writer.NginxVersion
}

// Site is a running loopback deployment: real nginx on 127.0.0.1 high
// ports, configured with kumoup's rendered files, in front of a stand-in
// kumod.
type Site struct {
	// Deployment is the final deployment (defaults filled, Listener = the
	// stand-in's address, certificate paths under Dir/root).
	Deployment model.Deployment
	// Layout is the layout the files were rendered with (Root = Dir/root).
	Layout writer.Layout
	// Files are the rendered files as written (after Mutate).
	Files []writer.File
	// Dir is the site's directory.
	Dir string

	// HTTPSAddr and HTTPAddr are "127.0.0.1:port" of the two listeners.
	HTTPSAddr, HTTPAddr string
	// HTTPSPort and HTTPPort are their ports (the rendered listen ports).
	HTTPSPort, HTTPPort int
	// ConnectTo maps "<domain>:<port>" to the loopback address to dial
	// instead, like curl --connect-to: keys are Deployment.Domain joined
	// (net.JoinHostPort) with 443, 80, HTTPSPort and HTTPPort; values are
	// HTTPSAddr or HTTPAddr. Usable as probes.Target.ConnectTo.
	ConnectTo map[string]string

	// CA signed the certificate; CACertPool trusts only it and CAFile is
	// it in PEM (for curl --cacert).
	CA         *CA
	CACertPool *x509.CertPool
	CAFile     string
	// CertFile and KeyFile are the certificate chain and key nginx serves
	// (Deployment.TLSCertificate and TLSCertificateKey).
	CertFile, KeyFile string

	// Kumod is the stand-in kumod behind nginx.
	Kumod *standin.Kumod

	// NginxBinary, NginxConf and NginxPrefix are what nginx runs with:
	// `NginxBinary -c NginxConf -p NginxPrefix/`.
	NginxBinary, NginxConf, NginxPrefix string
	// ErrorLog and AccessLog are nginx's logs inside the prefix.
	ErrorLog, AccessLog string
	// NginxVersion is the version the site is rendered for: the running
	// nginx's (as kumoup apply detects it), or Config.Nginx.
	NginxVersion writer.NginxVersion

	nginx    *nginxrun.Nginx
	ownKumod bool
	ownDir   bool
	noCert   bool
	stopOnce sync.Once
	stopErr  error
	stopped  chan struct{}
}

// startAttempts bounds retries when a chosen port is taken between
// choosing it and nginx binding it.
const startAttempts = 4

// Start renders cfg's deployment, writes it under the site's directory,
// checks it with `nginx -t` (its output is in the error) and runs nginx in
// the foreground as a child until Stop or until ctx is done. It returns once
// both ports accept connections.
func Start(ctx context.Context, cfg Config) (*Site, error) {
	bin, err := FindNginx(cfg.NginxBinary)
	if err != nil {
		return nil, err
	}
	s := &Site{NginxBinary: bin, stopped: make(chan struct{}), noCert: cfg.NoCertificate}
	if s.NginxVersion = cfg.Nginx; s.NginxVersion == (writer.NginxVersion{}) {
		// An nginx that cannot say its version gets the form every release
		// accepts, as kumoup apply renders it; nginx -t then says what is
		// wrong with that nginx.
		s.NginxVersion, _ = writer.NginxVersionOf(ctx, bin)
	}
	ok := false
	defer func() {
		if !ok {
			s.cleanup()
		}
	}()
	if err := s.prepareDir(cfg.Dir); err != nil {
		return nil, err
	}
	if err := s.prepareKumod(ctx, cfg); err != nil {
		return nil, err
	}
	if err := s.prepareDeployment(cfg); err != nil {
		return nil, err
	}
	if err := s.writeCertificates(cfg); err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		err := s.renderAndRun(ctx, cfg)
		if err == nil {
			break
		}
		if !errors.Is(err, errAddrInUse) || attempt == startAttempts {
			return nil, err
		}
	}
	ok = true
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Stop()
		case <-s.stopped:
		}
	}()
	return s, nil
}

func (s *Site) prepareDir(dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "kumoup-loopback-")
		if err != nil {
			return fmt.Errorf("loopback: create a temporary directory: %w", err)
		}
		dir, s.ownDir = d, true
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("loopback: Dir %q: %w", dir, err)
	}
	s.Dir = abs
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("loopback: create Dir %s: %w", abs, err)
	}
	if err := makeTraversable(abs); err != nil {
		return err
	}
	s.Layout = writer.Layout{Root: filepath.Join(abs, "root")}
	s.NginxPrefix = filepath.Join(abs, "nginx")
	s.NginxConf = filepath.Join(s.NginxPrefix, "nginx.conf")
	s.ErrorLog = filepath.Join(s.NginxPrefix, "logs", "error.log")
	s.AccessLog = filepath.Join(s.NginxPrefix, "logs", "access.log")
	return mkdirs(0o755, s.Layout.Root, s.NginxPrefix, filepath.Join(s.NginxPrefix, "logs"), filepath.Join(s.NginxPrefix, "tmp"))
}

func (s *Site) prepareKumod(ctx context.Context, cfg Config) error {
	if cfg.UseKumod != nil {
		s.Kumod = cfg.UseKumod
		return nil
	}
	kc := cfg.Kumod
	if kc.BodyLimit == 0 {
		d := cfg.Deployment
		if d.MaxBody == "" {
			d.MaxBody = model.DefaultMaxBody
		}
		kc.BodyLimit = d.MaxBodyBytes()
	}
	k, err := standin.Start(ctx, kc)
	if err != nil {
		return fmt.Errorf("loopback: start the stand-in kumod: %w", err)
	}
	s.Kumod, s.ownKumod = k, true
	return nil
}

func (s *Site) prepareDeployment(cfg Config) error {
	d := cfg.Deployment
	if d.Domain == "" {
		d.Domain = DefaultDomain
	}
	for _, tok := range []*string{&d.InjectionToken, &d.WebhookToken} {
		if *tok == "" {
			t, err := model.NewToken()
			if err != nil {
				return fmt.Errorf("loopback: %w", err)
			}
			*tok = t
		}
	}
	if d.WebhookURL == "" {
		d.WebhookURL = DefaultWebhookURL
	}
	if d.ProxyHost == "" {
		d.ProxyHost = DefaultProxyIP
	}
	if d.ProxyPublicIP == "" {
		d.ProxyPublicIP = DefaultProxyIP
	}
	if d.HELO == "" {
		d.HELO = d.Domain
	}
	if model.ValidateDomain(d.Domain) == nil {
		if d.TLSCertificate == "" {
			d.TLSCertificate = s.Layout.Path(model.CertificatePath(d.Domain))
		}
		if d.TLSCertificateKey == "" {
			d.TLSCertificateKey = s.Layout.Path(model.CertificateKeyPath(d.Domain))
		}
	}
	if d.ACMEWebroot == "" {
		d.ACMEWebroot = s.Layout.Path(model.DefaultACMEWebroot)
	}
	d.Listener = s.Kumod.Addr()
	d = d.WithDefaults()
	if err := d.Validate().Err(); err != nil {
		return fmt.Errorf("loopback: Config.Deployment: %w", err)
	}
	s.Deployment = d
	s.CertFile, s.KeyFile = d.TLSCertificate, d.TLSCertificateKey
	return mkdirs(0o755, d.ACMEWebroot, filepath.Join(d.ACMEWebroot, ".well-known", "acme-challenge"))
}

func (s *Site) writeCertificates(cfg Config) error {
	ca := cfg.CA
	if ca == nil {
		var err error
		if ca, err = NewCA(); err != nil {
			return err
		}
	}
	s.CA, s.CACertPool = ca, ca.Pool()
	s.CAFile = filepath.Join(s.Dir, "ca.pem")
	if err := os.WriteFile(s.CAFile, ca.PEM, 0o644); err != nil {
		return fmt.Errorf("loopback: write %s: %w", s.CAFile, err)
	}
	if cfg.NoCertificate {
		return nil
	}
	certPEM, keyPEM := cfg.CertPEM, cfg.KeyPEM
	if len(certPEM) == 0 || len(keyPEM) == 0 {
		var err error
		certPEM, keyPEM, err = ca.IssueKind(cfg.Certificate, s.Deployment.Domain, time.Now())
		if err != nil {
			return err
		}
	}
	return testca.WriteKeyPair(s.CertFile, s.KeyFile, certPEM, keyPEM)
}

// writeFile writes content, which holds no secret, to path with mode 0644
// (an existing file's mode too), creating its parents 0755. The
// certificate and key go through testca.WriteKeyPair.
func writeFile(path string, content []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("loopback: create %s: %w", dir, err)
	}
	if err := os.WriteFile(path, content, 0o644); err != nil {
		return fmt.Errorf("loopback: write %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		return fmt.Errorf("loopback: chmod %s: %w", path, err)
	}
	return nil
}

var errAddrInUse = nginxrun.ErrAddrInUse

// renderAndRun picks ports, renders and writes the files and nginx.conf,
// runs nginx -t and starts nginx.
func (s *Site) renderAndRun(ctx context.Context, cfg Config) error {
	httpsPort, err := pickPort()
	if err != nil {
		return err
	}
	httpPort, err := pickPort()
	if err != nil {
		return err
	}
	s.setPorts(httpsPort, httpPort)
	plan, err := s.plan(s.Deployment, httpsPort, httpPort, cfg.Mutate)
	if err != nil {
		return err
	}
	if err := apply(ctx, plan); err != nil {
		return fmt.Errorf("loopback: %w", err)
	}
	s.Files = planned(plan)
	conf, err := renderNginxConf(s.NginxPrefix, s.Layout.Path(writer.NginxConfDir), s.HTTPAddr, cfg.DebianDefaultSite)
	if err != nil {
		return err
	}
	if cfg.DebianDefaultSite {
		if err := writeFile(filepath.Join(s.NginxPrefix, "html", "index.nginx-debian.html"), []byte(DebianWelcome)); err != nil {
			return err
		}
	}
	if conf, err = mutate(cfg.Mutate, s.NginxConf, conf); err != nil {
		return err
	}
	if err := writeFile(s.NginxConf, conf); err != nil {
		return err
	}
	if err := TestConfig(ctx, s.NginxBinary, s.NginxConf, s.NginxPrefix); err != nil {
		return err
	}
	return s.run(ctx)
}

// plan renders d for the site's layout, listening on 127.0.0.1 only at
// httpsPort and httpPort, and plans it as kumoup apply does
// (writer.PlanRendered: HTTP only while d's certificate is missing, the
// previous domain's files retired, what is written recorded in the state
// file). m, when set, then breaks the rendered files: they are planned
// again as m left them, the same way.
func (s *Site) plan(d model.Deployment, httpsPort, httpPort int, m Mutation) (*writer.Plan, error) {
	opt := writer.Options{
		Layout:      s.Layout,
		ListenAddrs: []string{"127.0.0.1"},
		HTTPSPort:   httpsPort,
		HTTPPort:    httpPort,
		Nginx:       s.NginxVersion,
	}
	plan, err := writer.PlanRendered(d, opt)
	if err != nil {
		return nil, fmt.Errorf("loopback: plan the rendered files: %w", err)
	}
	if m == nil {
		return plan, nil
	}
	files := planned(plan)
	for i := range files {
		f := &files[i]
		if f.Content, err = mutate(m, f.Path, f.Content); err != nil {
			return nil, err
		}
	}
	if plan, err = writer.NewPlan(files); err != nil {
		return nil, fmt.Errorf("loopback: plan the mutated files: %w", err)
	}
	if err := plan.RetirePreviousDomain(d, s.Layout); err != nil {
		return nil, fmt.Errorf("loopback: plan the mutated files: %w", err)
	}
	return plan, nil
}

// planned returns the files plan writes (its changes but the retired
// files), in the plan's order.
func planned(plan *writer.Plan) []writer.File {
	var files []writer.File
	for _, c := range plan.Changes {
		if c.Action != writer.Retire {
			files = append(files, c.File)
		}
	}
	return files
}

// apply writes plan's files the way `kumoup apply` writes them
// (atomically, exact modes, root-owned when running as root).
func apply(ctx context.Context, plan *writer.Plan) error {
	if _, err := plan.Apply(ctx, writer.ApplyOptions{SkipChown: !writer.CanChown()}); err != nil {
		return fmt.Errorf("write the rendered files: %w", err)
	}
	return nil
}

// mutate applies m (when set), turning its panic into an error.
func mutate(m Mutation, path string, content []byte) (out []byte, err error) {
	if m == nil {
		return content, nil
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("loopback: Config.Mutate on %s: %v", path, r)
		}
	}()
	return m(path, content), nil
}

func (s *Site) setPorts(httpsPort, httpPort int) {
	s.HTTPSPort, s.HTTPPort = httpsPort, httpPort
	s.HTTPSAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(httpsPort))
	s.HTTPAddr = net.JoinHostPort("127.0.0.1", strconv.Itoa(httpPort))
	dom := s.Deployment.Domain
	s.ConnectTo = map[string]string{
		net.JoinHostPort(dom, "443"):                   s.HTTPSAddr,
		net.JoinHostPort(dom, "80"):                    s.HTTPAddr,
		net.JoinHostPort(dom, strconv.Itoa(httpsPort)): s.HTTPSAddr,
		net.JoinHostPort(dom, strconv.Itoa(httpPort)):  s.HTTPAddr,
	}
}

// run starts nginx in the foreground and waits until both ports accept.
func (s *Site) run(ctx context.Context) error {
	spec := nginxrun.Spec{Bin: s.NginxBinary, Conf: s.NginxConf, Prefix: s.NginxPrefix}
	httpOnly := s.noCert && len(writer.CertificateMissing(s.Deployment)) > 0
	ready := func() bool { return (httpOnly || accepts(s.HTTPSAddr)) && accepts(s.HTTPAddr) }
	n, err := nginxrun.Start(ctx, spec, ready, 15*time.Second)
	if errors.Is(err, nginxrun.ErrAddrInUse) {
		return fmt.Errorf("loopback: %w", errAddrInUse)
	}
	if err != nil {
		return fmt.Errorf("loopback: nginx on %s and %s: %w", s.HTTPSAddr, s.HTTPAddr, err)
	}
	s.nginx = n
	return nil
}

func accepts(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// Pid is nginx's master process id (0 when not running).
func (s *Site) Pid() int {
	if s.nginx == nil {
		return 0
	}
	return s.nginx.Pid()
}

// Exited is closed when nginx exits, whether by Stop or on its own.
func (s *Site) Exited() <-chan struct{} { return s.nginx.Exited() }

// Stop shuts nginx down gracefully (SIGQUIT to its own master pid, SIGKILL
// after 10 s), stops the stand-in kumod when Start started it, and removes
// Dir when Start created it. It is safe to call more than once.
func (s *Site) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = s.cleanup()
		close(s.stopped)
	})
	return s.stopErr
}

func (s *Site) cleanup() error {
	var errs []error
	if s.nginx != nil {
		if err := s.nginx.Stop(10 * time.Second); err != nil {
			errs = append(errs, fmt.Errorf("loopback: %w", err))
		}
	}
	if s.ownKumod && s.Kumod != nil {
		if err := s.Kumod.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	if s.ownDir && s.Dir != "" {
		if err := os.RemoveAll(s.Dir); err != nil {
			errs = append(errs, fmt.Errorf("loopback: remove %s: %w", s.Dir, err))
		}
	}
	return errors.Join(errs...)
}
