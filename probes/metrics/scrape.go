package metrics

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/klauspost/compress/gzip"
)

// Scraper fetches the exposition from the metrics endpoint. It reuses one
// connection and one body buffer between scrapes; it is not safe for
// concurrent use (one refresh loop owns it).
type Scraper struct {
	cfg    Config
	client *http.Client
	tr     *http.Transport
	blocks blockBuffer
	gz     *gzip.Reader // reused between scrapes
	// timeout is each scrape's deadline: cfg.Timeout, or longer while the
	// dashboard has stretched its interval (Stretch).
	timeout time.Duration
}

// NewScraper checks cfg, fills its defaults and returns a Scraper.
func NewScraper(cfg Config) (*Scraper, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	tlsConf := cfg.TLS
	if tlsConf == nil {
		tlsConf = &tls.Config{RootCAs: cfg.RootCAs, InsecureSkipVerify: cfg.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // InsecureSkipVerify only when the operator asks (--insecure)
	} else {
		tlsConf = tlsConf.Clone()
	}
	dial := cfg.DialContext
	if dial == nil {
		dial = (&net.Dialer{KeepAlive: 30 * time.Second}).DialContext
	}
	connectTimeout := cfg.ConnectTimeout
	tr := &http.Transport{
		Proxy: nil, // never hand the token to a proxy from the environment
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			ctx, cancel := context.WithTimeout(ctx, connectTimeout)
			defer cancel()
			return dial(ctx, network, addr)
		},
		TLSClientConfig:     tlsConf,
		TLSHandshakeTimeout: cfg.ConnectTimeout,
		MaxIdleConns:        1,
		IdleConnTimeout:     max(2*cfg.Interval, 30*time.Second),
	}
	if cfg.ResponseHeaderTimeout < cfg.Timeout {
		// Equal to the deadline (the default), the scrape's own deadline
		// covers it, and Stretch can lengthen it.
		tr.ResponseHeaderTimeout = cfg.ResponseHeaderTimeout
	}
	return &Scraper{
		cfg:     cfg,
		tr:      tr,
		timeout: cfg.Timeout,
		client: &http.Client{
			Transport: tr,
			// A metrics endpoint never redirects: stop at the 3xx and
			// report it, so the token is sent nowhere else.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Stretch gives the following scrapes the deadline a refresh every
// interval allows, three quarters of it, when that is longer than the
// configured Timeout; an interval no longer than Config.Interval restores
// the configured Timeout. The dashboard calls it when it lengthens its
// interval (NextInterval), between two scrapes.
func (s *Scraper) Stretch(interval time.Duration) {
	s.timeout = max(s.cfg.Timeout, interval*3/4)
}

// Config returns the configuration in use, defaults filled in.
func (s *Scraper) Config() Config { return s.cfg }

// Close releases idle connections.
func (s *Scraper) Close() { s.tr.CloseIdleConnections() }

// Scrape fetches the exposition once, within the configured timeout, and
// returns it whole (decompressed), valid until the next call. It is what
// kumoup metrics --dump prints; the dashboard streams with Refresh instead.
// The body is read in blocks and refused as soon as it passes MaxBody, so
// a refused scrape holds at most MaxBody plus one block. Failures are
// *ScrapeError; if ctx itself is cancelled, ctx's error is returned.
func (s *Scraper) Scrape(ctx context.Context) ([]byte, error) {
	return s.scrapeWhole(ctx, s.cfg.MaxBody)
}

func (s *Scraper) scrapeWhole(ctx context.Context, limit int64) ([]byte, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.open(parent, ctx)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	r, err := s.body(ctx, resp, limit)
	var body []byte
	if err == nil {
		body, err = s.blocks.readAll(r)
	}
	if err != nil {
		if parent.Err() != nil {
			return nil, parent.Err()
		}
		return nil, s.bodyError(err)
	}
	return body, nil
}

// open sends the request under ctx (the scrape's deadline; parent is the
// caller's context) and returns the response once its status is 200.
func (s *Scraper) open(parent, ctx context.Context) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.cfg.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("metrics url %q: %w", s.cfg.URL, err)
	}
	if s.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+s.cfg.Token)
	}
	req.Header.Set("Accept", "text/plain;version=0.0.4")
	req.Header.Set("User-Agent", "kumoup")
	// Asked for here, gzip is not decompressed by the Transport but by
	// body, with klauspost/compress: a quarter less CPU than the standard
	// library's and a reader reused between scrapes (BENCHMARKS.md).
	req.Header.Set("Accept-Encoding", "gzip")
	var connected, tlsStarted, tlsDone atomic.Bool
	req = req.WithContext(httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		ConnectDone: func(_, _ string, err error) {
			if err == nil {
				connected.Store(true)
			}
		},
		TLSHandshakeStart: func() { tlsStarted.Store(true) },
		TLSHandshakeDone: func(_ tls.ConnectionState, err error) {
			if err == nil {
				tlsDone.Store(true)
			}
		},
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	}))
	resp, err := s.client.Do(req)
	if err != nil {
		if parent.Err() != nil {
			return nil, parent.Err()
		}
		se := s.classify(err)
		if se.Kind == KindTimeout && !connected.Load() {
			// The deadline passed during the TCP connect: nothing answered
			// the SYN (a firewall dropping the port, or the wrong address).
			// That is unreachable, not a slow kumod.
			se.Kind = KindUnreachable
			se.Detail = s.connectTimeoutDetail()
		} else if se.Kind == KindTimeout && tlsStarted.Load() && !tlsDone.Load() {
			// Whichever timer fired first, the handshake is what stalled.
			se.Detail = fmt.Sprintf("TLS handshake not complete within %v", s.cfg.ConnectTimeout)
		}
		return nil, se
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		return nil, s.statusError(resp)
	}
	return resp, nil
}

// body returns the response body, decompressed when it is gzip, capped at
// limit bytes after decompression (*http.MaxBytesError past it) and
// complete only if it ended before ctx's deadline: cancelling closes the
// connection with a TLS alert first, and a server that ends the response
// on seeing it can make the read look complete. Past the deadline it is
// not.
func (s *Scraper) body(ctx context.Context, resp *http.Response, limit int64) (io.Reader, error) {
	var r io.Reader = resp.Body
	switch enc := strings.ToLower(strings.TrimSpace(resp.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
	case "gzip", "x-gzip":
		var err error
		if s.gz == nil {
			s.gz, err = gzip.NewReader(resp.Body)
		} else {
			err = s.gz.Reset(resp.Body)
		}
		if err != nil {
			return nil, err
		}
		s.gz.Multistream(true)
		r = s.gz
	default:
		return nil, fmt.Errorf("%w %q (kumoup asks for gzip or none)", errEncoding, cut(enc, 40))
	}
	return &deadlineEOF{r: http.MaxBytesReader(nil, io.NopCloser(r), limit), ctx: ctx}, nil
}

// errEncoding is a Content-Encoding kumoup did not ask for.
var errEncoding = errors.New("unsupported Content-Encoding")

// cut shortens an excerpt of what a server said to n bytes.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// deadlineEOF turns an end of body reached after ctx ended into ctx's error.
type deadlineEOF struct {
	r   io.Reader
	ctx context.Context
}

func (d *deadlineEOF) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if err == io.EOF && d.ctx.Err() != nil {
		err = d.ctx.Err()
	}
	return n, err
}

// maxReferenceBody caps an exposition that needs the reference parser: it
// is read whole, and expfmt then takes several times its size.
const maxReferenceBody = 64 << 20

// Refresh scrapes once and folds the exposition into z, taking the scrape
// time as the time the response arrived. The body is streamed through the
// Summarizer's window as it is decompressed, never held whole, so memory
// does not grow with the exposition; only one that needs the reference
// parser (ErrNeedsWholeBody: syntax KumoMTA does not write) is fetched again
// and read whole, up to MaxBody or 64 MiB, whichever is smaller. A
// malformed exposition is a *ScrapeError of KindMalformed with its line.
func (s *Scraper) Refresh(ctx context.Context, z *Summarizer) (Summary, error) {
	sum, err := s.refresh(ctx, z)
	if errors.Is(err, ErrNeedsWholeBody) {
		var body []byte
		if body, err = s.scrapeWhole(ctx, min(s.cfg.MaxBody, maxReferenceBody)); err != nil {
			return Summary{}, err
		}
		sum, err = z.Update(time.Now(), body)
	}
	if err != nil {
		var se *ScrapeError
		var pe *ParseError
		switch {
		case errors.As(err, &se), ctx.Err() != nil && errors.Is(err, ctx.Err()):
			return Summary{}, err
		case errors.As(err, &pe):
			return Summary{}, &ScrapeError{Kind: KindMalformed, URL: s.cfg.URL, Status: http.StatusOK, Line: pe.Line, Detail: pe.Msg, Err: err}
		}
		return Summary{}, &ScrapeError{Kind: KindMalformed, URL: s.cfg.URL, Status: http.StatusOK, Detail: err.Error(), Err: err}
	}
	return sum, nil
}

// refresh is one streamed scrape.
func (s *Scraper) refresh(ctx context.Context, z *Summarizer) (Summary, error) {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	resp, err := s.open(parent, ctx)
	if err != nil {
		return Summary{}, err
	}
	defer resp.Body.Close()
	at := time.Now()
	r, err := s.body(ctx, resp, s.cfg.MaxBody)
	if err != nil {
		if parent.Err() != nil {
			return Summary{}, parent.Err()
		}
		return Summary{}, s.bodyError(err)
	}
	var readErr error
	sum, err := z.UpdateFrom(at, readErrorTap{r: r, err: &readErr})
	switch {
	case err == nil:
		return sum, nil
	case readErr != nil:
		if parent.Err() != nil {
			return Summary{}, parent.Err()
		}
		return Summary{}, s.bodyError(readErr)
	}
	return Summary{}, err
}

// readErrorTap remembers the error of the reader it wraps (other than
// io.EOF), to tell a broken read from a malformed exposition.
type readErrorTap struct {
	r   io.Reader
	err *error
}

func (t readErrorTap) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if err != nil && err != io.EOF {
		*t.err = err
	}
	return n, err
}

// classify turns a transport error into a ScrapeError.
func (s *Scraper) classify(err error) *ScrapeError {
	se := &ScrapeError{URL: s.cfg.URL, Err: err}
	var (
		unknownCA   x509.UnknownAuthorityError
		hostErr     x509.HostnameError
		invalidCert x509.CertificateInvalidError
		verifyErr   *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
		alertErr    tls.AlertError
		opErr       *net.OpError
		dnsErr      *net.DNSError
	)
	switch {
	case errors.As(err, &unknownCA):
		se.Kind, se.Detail = KindTLS, unknownCA.Error()
	case errors.As(err, &hostErr):
		se.Kind, se.Detail = KindTLS, hostErr.Error()
	case errors.As(err, &invalidCert):
		se.Kind, se.Detail = KindTLS, invalidCert.Error()
	case errors.As(err, &verifyErr):
		se.Kind, se.Detail = KindTLS, verifyErr.Err.Error()
	case errors.As(err, &recordErr), strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		se.Kind, se.Detail = KindTLS, "the server did not answer with TLS (plain HTTP on this port?)"
	case errors.As(err, &alertErr):
		se.Kind, se.Detail = KindTLS, "the server sent TLS alert: "+alertErr.Error()
	case errors.As(err, &dnsErr):
		se.Kind, se.Detail = KindUnreachable, dnsErr.Error()
	case errors.As(err, &opErr) && opErr.Op == "dial":
		se.Kind, se.Detail = KindUnreachable, opErr.Err.Error()
		if errors.Is(err, context.DeadlineExceeded) || opErr.Timeout() {
			se.Detail = s.connectTimeoutDetail()
		}
	case isTimeout(err):
		se.Kind, se.Detail = KindTimeout, fmt.Sprintf("no complete answer within %v", s.timeout)
		if strings.Contains(err.Error(), "TLS handshake timeout") {
			se.Detail = fmt.Sprintf("TLS handshake not complete within %v", s.cfg.ConnectTimeout)
		}
	default:
		se.Kind, se.Detail = KindUnreachable, err.Error()
	}
	return se
}

// connectTimeoutDetail says why a connect that timed out is unreachable.
func (s *Scraper) connectTimeoutDetail() string {
	return fmt.Sprintf("TCP connect not answered within %v (a firewall dropping the port, or the wrong address)", s.cfg.ConnectTimeout)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// statusError classifies a non-200 response, reading at most 4 KiB of its
// body to tell nginx's 401 from kumod's.
func (s *Scraper) statusError(resp *http.Response) *ScrapeError {
	se := &ScrapeError{URL: s.cfg.URL, Status: resp.StatusCode}
	switch code := resp.StatusCode; {
	case code == http.StatusUnauthorized:
		head, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		se.Kind = KindUnauthorizedByNginx
		if bytes.Contains(head, []byte("BearerToken Authentication Failed")) {
			se.Kind = KindRefusedByKumod
		}
	case code == http.StatusBadGateway || code == http.StatusGatewayTimeout:
		se.Kind = KindUpstreamDown
	case code >= 300 && code < 400:
		se.Kind = KindRedirect
		if loc := resp.Header.Get("Location"); loc != "" {
			se.Detail = "to " + loc
		}
	default:
		se.Kind = KindHTTPStatus
	}
	if srv := resp.Header.Get("Server"); srv != "" && se.Kind != KindRedirect {
		se.Detail = "server " + srv
	}
	return se
}

// bodyError classifies a failure while reading the body.
func (s *Scraper) bodyError(err error) *ScrapeError {
	se := &ScrapeError{URL: s.cfg.URL, Status: http.StatusOK, Err: err}
	var tooBig *http.MaxBytesError
	var corrupt flate.CorruptInputError
	switch {
	case errors.As(err, &tooBig):
		se.Kind = KindTooLarge
		se.Detail = fmt.Sprintf("more than %s after decompression", sizeString(tooBig.Limit))
	case isTimeout(err):
		se.Kind, se.Detail = KindTimeout, fmt.Sprintf("body not complete within %v", s.timeout)
	case errors.Is(err, gzip.ErrHeader), errors.Is(err, gzip.ErrChecksum), errors.As(err, &corrupt):
		se.Kind, se.Detail = KindMalformed, "corrupt gzip body: "+err.Error()
	case errors.Is(err, errEncoding):
		se.Kind, se.Detail = KindMalformed, err.Error()
	default:
		se.Kind, se.Detail = KindUnreachable, "connection broke while reading the body: "+err.Error()
	}
	return se
}

func sizeString(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
