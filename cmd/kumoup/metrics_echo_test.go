package main

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// echoToken is a valid bearer token with characters that JSON, URLs and
// shells escape.
const echoToken = "Tok/with+slash0123456789abcdefXYZ"

// echoForms are the ways an echo of echoToken may be spelled in output.
func echoForms() []string {
	return []string{echoToken, strings.ToLower(echoToken), url.QueryEscape(echoToken), url.PathEscape(echoToken),
		strings.ReplaceAll(echoToken, "/", `\/`), "slash0123456789"}
}

// echoServer is a real TLS endpoint that echoes the bearer token it
// receives back in every place a hostile or broken endpoint could: a
// redirect's Location, the Server header and body of a 401 or a 500, an
// exposition parse error, label values (plain and JSON-escaped).
func echoServer(t *testing.T) (srv *httptest.Server, caFile string) {
	t.Helper()
	srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		switch strings.TrimPrefix(r.URL.Path, "/m/") {
		case "location":
			w.Header().Set("Location", "https://example.net/?t="+url.QueryEscape(tok)+"&raw="+tok)
			w.WriteHeader(http.StatusFound)
		case "401":
			w.Header().Set("Server", "nginx "+tok)
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token", token="`+tok+`"`)
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"bad token %s"}`, strings.ReplaceAll(tok, "/", `\/`))
		case "500":
			w.Header().Set("Server", tok)
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprintf(w, "token %s rejected", tok)
		case "parse":
			fmt.Fprintf(w, "# TYPE x %s\nx 1\n", tok)
		case "parse-line":
			fmt.Fprintf(w, "ready_count{service=\"smtp_client:a\"} 1 %s\n", tok)
		case "label":
			fmt.Fprintf(w, "# TYPE ready_count gauge\nready_count{service=\"smtp_client:%s\"} 5\nready_count{service=\"smtp_client:%s\"} 4\n# TYPE queued_count_by_provider gauge\nqueued_count_by_provider{provider=\"%s\"} 7\n",
				tok, strings.ReplaceAll(tok, "/", `\\/`), url.QueryEscape(tok))
		}
	}))
	t.Cleanup(srv.Close)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	return srv, caFile
}

// TestMetricsNeverPrintsATokenTheEndpointEchoes: issue 17 #3. Every
// output format (plain, --json, --dump, --watch, --watch --json) against
// every kind of echo.
func TestMetricsNeverPrintsATokenTheEndpointEchoes(t *testing.T) {
	t.Parallel()
	srv, ca := echoServer(t)
	port := srv.URL[strings.LastIndexByte(srv.URL, ':')+1:]
	tokFile := metricsTokenFile(t, echoToken)
	formats := map[string][]string{
		"plain":        nil,
		"json":         {"--json"},
		"dump":         {"--dump"},
		"watch":        {"--watch"},
		"watch + json": {"--watch", "--json"},
	}
	for _, mode := range []string{"location", "401", "500", "parse", "parse-line", "label"} {
		for name, extra := range formats {
			t.Run(mode+"/"+name, func(t *testing.T) {
				args := append([]string{"metrics", "--root", t.TempDir(),
					"--url", "https://example.com:" + port + "/m/" + mode, "--token-file", tokFile, "--ca-file", ca,
					"--connect-to", "example.com:" + port + ":" + srv.Listener.Addr().String(), "--interval", "150ms"}, extra...)
				var r run
				if strings.HasPrefix(name, "watch") {
					r = metricsRunFor(t, 500*time.Millisecond, args...)
				} else {
					r = kumoup(t, args...)
				}
				out := r.stdout + r.stderr
				for _, form := range echoForms() {
					if strings.Contains(out, form) {
						t.Fatalf("exit %d; output shows the token as %q:\n%s", r.code, form, out)
					}
				}
				if mode != "label" && !strings.Contains(out, "••••••••") && mode != "parse-line" {
					t.Logf("no mask in the output (the echo may not be shown at all):\n%s", out)
				}
			})
		}
	}
}
