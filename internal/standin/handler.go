package standin

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// drainLimit bounds how much of a refused body the stand-in reads to count
// it (kumod itself stops reading; the count is for tests).
const drainLimit = 256 << 20

func (k *Kumod) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := Request{
			Method:        r.Method,
			Path:          r.URL.Path,
			RawURI:        r.RequestURI,
			Host:          r.Host,
			Authorization: len(r.Header.Values("Authorization")) > 0,
			Header:        r.Header.Clone(),
			Time:          time.Now(),
		}
		rec.Header.Del("Authorization")
		body := &countingReader{r: r.Body}
		r.Body = body
		// The answer is held until the request is recorded, so a client
		// that has the answer always finds the request in Requests().
		held := &heldResponse{header: w.Header()}
		k.serve(held, r)
		// Count what the client sent even if the handler stopped early.
		_, _ = io.Copy(io.Discard, io.LimitReader(body, drainLimit))
		rec.BodyLength = body.n
		rec.Status = held.status
		if rec.Status == 0 {
			rec.Status = http.StatusOK
		}
		k.record(rec)
		w.WriteHeader(rec.Status)
		_, _ = w.Write(held.body.Bytes())
	})
}

// serve is the listener's routing: an unsupported Content-Encoding first,
// then authentication (kumod inspects
// every Authorization header), then the exact paths axum routes (on the raw,
// still percent-encoded path, without dot-segment removal).
func (k *Kumod) serve(w http.ResponseWriter, r *http.Request) {
	// The request decompression layer is outside the auth middleware.
	if !supportedEncoding(w, r) {
		return
	}
	if status, msg := authenticate(r); status != 0 {
		text(w, status, msg)
		return
	}
	path := r.URL.EscapedPath()
	switch {
	case path == "/api/inject/v1":
		if r.Method != http.MethodPost {
			methodNotAllowed(w, http.MethodPost)
			return
		}
		k.inject(w, r)
	case path == "/metrics":
		if !getOrHead(w, r) {
			return
		}
		k.serveMetrics(w, r)
	case path == "/metrics.json":
		if !getOrHead(w, r) {
			return
		}
		k.serveMetricsJSON(w)
	case path == "/api/check-liveness/v1":
		if !getOrHead(w, r) {
			return
		}
		text(w, http.StatusOK, "OK")
	case path == "/api/machine-info":
		jsonBody(w, http.StatusOK, `{"hostname":"kumod-standin","mac_address":"00:00:00:00:00:00","node_id":"00000000-0000-0000-0000-000000000000","num_cores":2,"kernel_version":"standin","platform":"linux","distribution":"debian","os_version":"12","total_memory_bytes":0,"container_runtime":null,"cpu_brand":"standin","fingerprint":"standin"}`)
	case strings.HasPrefix(path, "/api/admin/"):
		// bounce, suspend, ready-q-states...: the admin API answers trusted
		// hosts without authentication. Reachable through a proxy = a hole.
		jsonBody(w, http.StatusOK, `{"id":"00000000-0000-0000-0000-000000000000","bounced":{},"total_bounced":0}`)
	case path == "/rapidoc":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, "<!doctype html><html><head><title>KumoMTA API</title></head><body><rapi-doc spec-url=\"/api-docs/openapi.json\"></rapi-doc></body></html>\n")
	case path == "/api-docs/openapi.json":
		jsonBody(w, http.StatusOK, `{"openapi":"3.0.3","info":{"title":"kumod","version":"standin"},"paths":{"/api/inject/v1":{},"/api/admin/bounce/v1":{},"/metrics":{}}}`)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

// authenticate mirrors kumod's auth layer: it returns a non-zero status
// (and body) when the request is refused.
func authenticate(r *http.Request) (int, string) {
	values := r.Header.Values("Authorization")
	if len(values) == 0 {
		if !trustedPeer(r.RemoteAddr) {
			return http.StatusUnauthorized, "Unauthorized"
		}
		return 0, ""
	}
	if len(values) > 1 {
		return http.StatusBadRequest, "Malformed Authorization header"
	}
	scheme, cred, ok := strings.Cut(values[0], " ")
	cred = strings.TrimSpace(cred)
	if !ok || cred == "" {
		return http.StatusBadRequest, "Malformed Authorization header"
	}
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		// No http_server_validate_auth_bearer handler is defined.
		return http.StatusUnauthorized, "BearerToken Authentication Failed"
	case strings.EqualFold(scheme, "Basic"):
		if _, _, ok := r.BasicAuth(); !ok {
			return http.StatusBadRequest, "Malformed Authorization header"
		}
		return http.StatusUnauthorized, "Basic Authentication Failed"
	default:
		return http.StatusBadRequest, "Malformed Authorization header"
	}
}

// trustedPeer reports whether addr is one of kumod's default trusted_hosts
// (127.0.0.1, ::1): behind nginx on the same host every request is.
func trustedPeer(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	ip = ip.Unmap()
	return ip == netip.AddrFrom4([4]byte{127, 0, 0, 1}) || ip == netip.IPv6Loopback()
}

func getOrHead(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	methodNotAllowed(w, "GET,HEAD")
	return false
}

func methodNotAllowed(w http.ResponseWriter, allow string) {
	w.Header().Set("Allow", allow)
	w.WriteHeader(http.StatusMethodNotAllowed)
}

func text(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, msg)
}

func jsonBody(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

type countingReader struct {
	r io.ReadCloser
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) Close() error { return c.r.Close() }

// heldResponse collects a response (status, headers, body) so it can be
// sent after the request is recorded.
type heldResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (h *heldResponse) Header() http.Header { return h.header }

func (h *heldResponse) WriteHeader(code int) {
	if h.status == 0 {
		h.status = code
	}
}

func (h *heldResponse) Write(p []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return h.body.Write(p)
}
