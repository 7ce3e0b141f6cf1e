package standin_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/standin"
)

func TestFixtureMetricsIsTheRealCapture(t *testing.T) {
	sum := sha256.Sum256(standin.FixtureMetrics())
	if got, want := hex.EncodeToString(sum[:]), "237d3a44a29cbbeadd8dbd64b8914c5b72c094079d24422451ad2e07b1c5994b"; got != want {
		t.Fatalf("embedded fixture sha256 %s, want %s (the fixture is KumoMTA's docs/reference/http/sample-metrics.txt byte for byte: see fixtures/SOURCES.md)", got, want)
	}
}

func TestAnyBearerHeaderIsRefusedWith401OnEveryPath(t *testing.T) {
	k := start(t, standin.Config{})
	for _, path := range []string{"/api/inject/v1", "/metrics", "/api/check-liveness/v1", "/api/admin/bounce/v1"} {
		a := do(t, k, "GET", path, map[string]string{"Authorization": "Bearer some-token-value"}, nil)
		expect(t, a, 401, "BearerToken Authentication Failed")
	}
	// Even a perfectly valid injection fails once a Bearer header is there.
	h := map[string]string{"Authorization": "Bearer x", "Content-Type": "application/json"}
	expect(t, do(t, k, "POST", "/api/inject/v1", h, []byte(validInject)), 401, "BearerToken Authentication Failed")
}

func TestBasicAuthorizationIsRefusedWith401(t *testing.T) {
	k := start(t, standin.Config{})
	a := do(t, k, "GET", "/metrics", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, nil)
	expect(t, a, 401, "")
}

func TestMalformedAuthorizationIsRefusedWith400(t *testing.T) {
	k := start(t, standin.Config{})
	for _, v := range []string{"Bearer", "Bearer ", "Token abc", "abc", "Basic !!!notbase64"} {
		a := do(t, k, "GET", "/metrics", map[string]string{"Authorization": v}, nil)
		if a.status != 400 {
			t.Errorf("Authorization %q: status %d, want 400", v, a.status)
		}
	}
}

func TestMetricsServesTheFixtureAsPrometheusText(t *testing.T) {
	k := start(t, standin.Config{})
	a := do(t, k, "GET", "/metrics", nil, nil)
	expect(t, a, 200, "# TYPE connection_count gauge")
	if ct := a.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/plain; charset=utf-8", ct)
	}
	if a.body != string(standin.FixtureMetrics()) {
		t.Errorf("body is not the fixture")
	}
	if ce := a.header.Get("Content-Encoding"); ce != "" {
		t.Errorf("Content-Encoding %q without Accept-Encoding", ce)
	}
}

func TestMetricsAreGzippedWhenAsked(t *testing.T) {
	k := start(t, standin.Config{})
	a := do(t, k, "GET", "/metrics", map[string]string{"Accept-Encoding": "gzip"}, nil)
	if a.status != 200 || a.header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d Content-Encoding %q, want 200 gzip", a.status, a.header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(strings.NewReader(a.body))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if _, err := b.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	if b.String() != string(standin.FixtureMetrics()) {
		t.Errorf("decompressed body is not the fixture")
	}
	a = do(t, k, "GET", "/metrics", map[string]string{"Accept-Encoding": "gzip;q=0"}, nil)
	if a.header.Get("Content-Encoding") != "" {
		t.Errorf("gzip;q=0 still got Content-Encoding %q", a.header.Get("Content-Encoding"))
	}
}

func TestMetricsHookIsCalledOneAtATime(t *testing.T) {
	var inside, overlap, calls atomic.Int32
	k := start(t, standin.Config{Metrics: func() []byte {
		if inside.Add(1) > 1 {
			overlap.Add(1)
		}
		time.Sleep(2 * time.Millisecond)
		inside.Add(-1)
		return []byte("kumoup_test_metric " + string(rune('0'+calls.Add(1)%10)) + "\n")
	}})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			a := do(t, k, "GET", "/metrics", nil, nil)
			expect(t, a, 200, "kumoup_test_metric ")
		})
	}
	wg.Wait()
	if calls.Load() != 8 {
		t.Errorf("hook called %d times, want 8", calls.Load())
	}
	if overlap.Load() != 0 {
		t.Errorf("hook ran concurrently %d times", overlap.Load())
	}
}

func TestMetricsJSONListsTheSamples(t *testing.T) {
	k := start(t, standin.Config{})
	a := do(t, k, "GET", "/metrics.json", nil, nil)
	expect(t, a, 200, "connection_count")
	var v map[string][]map[string]any
	if err := json.Unmarshal([]byte(a.body), &v); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if got := v["connection_count"]; len(got) == 0 || got[0]["labels"] != `{service="esmtp_listener"}` {
		t.Errorf("connection_count = %v", got)
	}
}

// A proxy that exposes any of these is caught: they answer like kumod does.
func TestEndpointsAProxyMustNotExposeAnswer200(t *testing.T) {
	k := start(t, standin.Config{})
	for path, want := range map[string]string{
		"/api/admin/bounce/v1":         "bounced",
		"/api/admin/suspend/v1":        "",
		"/api/admin/ready-q-states/v1": "",
		"/api/machine-info":            "hostname",
		"/api/check-liveness/v1":       "OK",
		"/rapidoc":                     "rapi-doc",
		"/api-docs/openapi.json":       "openapi",
		"/metrics.json":                "{",
	} {
		expect(t, do(t, k, "GET", path, nil, nil), 200, want)
	}
	expect(t, do(t, k, "POST", "/api/admin/bounce/v1", jsonCT, []byte(`{"domain":"example.net","reason":"x"}`)), 200, "")
}

func TestUnknownAndUnnormalisedPathsAre404(t *testing.T) {
	k := start(t, standin.Config{})
	for _, path := range []string{"/", "/api/inject/v1/", "/%6detrics", "/metrics/../api/admin/bounce/v1", "/METRICS", "/api/inject/v2"} {
		if a := do(t, k, "GET", path, nil, nil); a.status != 404 {
			t.Errorf("GET %s: status %d, want 404", path, a.status)
		}
	}
}

func TestInjectAcceptsAValidRequestWithoutSendingMail(t *testing.T) {
	k := start(t, standin.Config{})
	a := do(t, k, "POST", "/api/inject/v1", jsonCT, []byte(validInject))
	expect(t, a, 200, "")
	var v map[string]any
	if err := json.Unmarshal([]byte(a.body), &v); err != nil {
		t.Fatalf("body %q: %v", a.body, err)
	}
	if v["success_count"] != 2.0 || v["fail_count"] != 0.0 {
		t.Errorf("body %s, want success_count 2 fail_count 0", a.body)
	}
	for _, f := range []string{"failed_recipients", "errors"} {
		if l, ok := v[f].([]any); !ok || len(l) != 0 {
			t.Errorf("%s = %v, want []", f, v[f])
		}
	}
	built := `{"envelope_sender":"a@example.com","recipients":[{"email":"b@example.net","substitutions":{"n":1}}],"content":{"subject":"s","text_body":"t","from":{"email":"a@example.com"}},"substitutions":{"x":"y"}}`
	expect(t, do(t, k, "POST", "/api/inject/v1", map[string]string{"Content-Type": "application/json; charset=utf-8"}, []byte(built)), 200, `"success_count":1`)
}

func TestInjectRefusals(t *testing.T) {
	k := start(t, standin.Config{BodyLimit: 1024})
	big := `{"envelope_sender":"a@example.com","recipients":[],"content":"` + strings.Repeat("x", 2000) + `"}`
	for _, tc := range []struct {
		name, method, ct, body string
		status                 int
		contains               string
	}{
		{"no content type", "POST", "", validInject, 415, "Content-Type: application/json"},
		{"text content type", "POST", "text/plain", validInject, 415, ""},
		{"over the body limit", "POST", "application/json", big, 413, "length limit exceeded"},
		{"bad JSON", "POST", "application/json", `{"envelope_sender":`, 400, "JSON"},
		{"empty object", "POST", "application/json", `{}`, 422, "envelope_sender"},
		{"unknown field", "POST", "application/json", `{"envelope_sender":"a@example.com","recipients":[],"content":"x","bogus":1}`, 422, "bogus"},
		{"recipient without email", "POST", "application/json", `{"envelope_sender":"a@example.com","recipients":[{"name":"x"}],"content":"x"}`, 422, "email"},
		{"wrong type", "POST", "application/json", `{"envelope_sender":1,"recipients":[],"content":"x"}`, 422, ""},
		{"content neither string nor object", "POST", "application/json", `{"envelope_sender":"a@example.com","recipients":[],"content":5}`, 422, "content"},
		{"array", "POST", "application/json", `[]`, 422, ""},
		{"GET", "GET", "", "", 405, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := map[string]string{}
			if tc.ct != "" {
				h["Content-Type"] = tc.ct
			}
			var body []byte
			if tc.body != "" {
				body = []byte(tc.body)
			}
			expect(t, do(t, k, tc.method, "/api/inject/v1", h, body), tc.status, tc.contains)
		})
	}
}

func TestInjectBodyLimitIsMeasuredAfterDecompression(t *testing.T) {
	k := start(t, standin.Config{BodyLimit: 1024})
	gz := func(s string) []byte {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		_, _ = zw.Write([]byte(s))
		_ = zw.Close()
		return b.Bytes()
	}
	h := map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}
	big := gz(`{"envelope_sender":"a@example.com","recipients":[],"content":"` + strings.Repeat("x", 4000) + `"}`)
	if len(big) > 1024 {
		t.Fatalf("compressed body is %d bytes; the test needs it under the limit", len(big))
	}
	expect(t, do(t, k, "POST", "/api/inject/v1", h, big), 413, "length limit exceeded")
	expect(t, do(t, k, "POST", "/api/inject/v1", h, gz(validInject)), 200, `"success_count":2`)
}

func TestInjectAcceptsABodyOfExactlyTheLimitAndNotOneByteMore(t *testing.T) {
	const limit = 64 << 10
	k := start(t, standin.Config{BodyLimit: limit})
	if k.BodyLimit() != limit {
		t.Fatalf("BodyLimit() = %d", k.BodyLimit())
	}
	prefix, suffix := `{"envelope_sender":"a@example.com","recipients":[{"email":"b@example.net"}],"content":"`, `"}`
	body := prefix + strings.Repeat("x", limit-len(prefix)-len(suffix)) + suffix
	expect(t, do(t, k, "POST", "/api/inject/v1", jsonCT, []byte(body)), 200, `"success_count":1`)
	over := prefix + strings.Repeat("x", limit-len(prefix)-len(suffix)+1) + suffix
	expect(t, do(t, k, "POST", "/api/inject/v1", jsonCT, []byte(over)), 413, "length limit exceeded")
	reqs := k.Requests()
	if len(reqs) != 2 || reqs[0].BodyLength != limit || reqs[1].BodyLength != limit+1 {
		t.Fatalf("recorded %+v, want bodies of %d and %d bytes", reqs, limit, limit+1)
	}
}

func TestDefaultBodyLimitIsKumodsTwoMegabytes(t *testing.T) {
	k := start(t, standin.Config{})
	if k.BodyLimit() != 2*1024*1024 {
		t.Fatalf("BodyLimit() = %d, want 2 MiB", k.BodyLimit())
	}
	body := `{"envelope_sender":"a@example.com","recipients":[],"content":"` + strings.Repeat("x", 2<<20) + `"}`
	expect(t, do(t, k, "POST", "/api/inject/v1", jsonCT, []byte(body)), 413, "length limit exceeded")
}

func TestRequestsRecordsWhatArrivedAndResetForgets(t *testing.T) {
	k := start(t, standin.Config{})
	before := time.Now()
	do(t, k, "GET", "/%6detrics", map[string]string{"Authorization": "Bearer secret-value-here", "X-Real-IP": "192.0.2.1"}, nil)
	do(t, k, "POST", "/api/inject/v1", jsonCT, []byte(`{}`))
	got := k.Requests()
	if len(got) != 2 {
		t.Fatalf("recorded %d requests, want 2", len(got))
	}
	r := got[0]
	if r.Method != "GET" || r.Path != "/metrics" || r.RawURI != "/%6detrics" || !r.Authorization || r.Status != 401 || r.Host != k.Addr() {
		t.Errorf("first request recorded as %+v", r)
	}
	if r.Header.Get("Authorization") != "" || r.Header.Get("X-Real-IP") != "192.0.2.1" {
		t.Errorf("headers recorded as %v: want X-Real-IP and no Authorization", r.Header)
	}
	if r.Time.Before(before) || r.Time.After(time.Now()) {
		t.Errorf("time %v out of range", r.Time)
	}
	if r := got[1]; r.Authorization || r.BodyLength != 2 || r.Status != 422 {
		t.Errorf("second request recorded as %+v", r)
	}
	k.Reset()
	if n := len(k.Requests()); n != 0 {
		t.Errorf("after Reset: %d requests", n)
	}
}

func TestCloseStopsListening(t *testing.T) {
	k, err := standin.Start(context.Background(), standin.Config{})
	if err != nil {
		t.Fatal(err)
	}
	addr := k.Addr()
	if err := k.Close(); err != nil {
		t.Fatal(err)
	}
	if err := k.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatalf("%s still accepts after Close", addr)
	}
}

func TestCancellingTheContextStopsListening(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	k, err := standin.Start(ctx, standin.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	cancel()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", k.Addr(), time.Second)
		if err != nil {
			return
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatalf("%s still accepts 5s after cancel", k.Addr())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStartRefusesANegativeBodyLimitAndABadAddress(t *testing.T) {
	if _, err := standin.Start(context.Background(), standin.Config{BodyLimit: -1}); err == nil || !strings.Contains(err.Error(), "BodyLimit") {
		t.Errorf("negative BodyLimit: err %v", err)
	}
	if _, err := standin.Start(context.Background(), standin.Config{Addr: "127.0.0.1:notaport"}); err == nil {
		t.Errorf("bad Addr: no error")
	}
}

func TestListensOnTheGivenAddress(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	k := start(t, standin.Config{Addr: addr})
	if k.Addr() != addr || k.URL() != "http://"+addr {
		t.Fatalf("Addr %s URL %s, want %s", k.Addr(), k.URL(), addr)
	}
}
