package standin_test

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/standin"
)

// The request decompression and the Json extractor in kumod's order, as
// read in axum 0.8.9 (axum/src/json.rs, axum-core's rejection.rs),
// tower-http 0.6.11 (decompression/request) and http-body-util 0.1.4
// (Limited): docs/kumomta.md, "Request bodies".

func gzipOf(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&out, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

func zlibOf(b []byte) []byte {
	var out bytes.Buffer
	zw := zlib.NewWriter(&out)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

func rawDeflateOf(b []byte) []byte {
	var out bytes.Buffer
	zw, _ := flate.NewWriter(&out, flate.DefaultCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// TestInjectWhitespaceAtTheLimitIs400AndOneMoreIs413: N bytes of JSON
// whitespace are read whole (the limit is not exceeded) and refused by
// serde (EOF: 400); N+1 are refused while being read (413). Compressed, the
// same holds with the limit counted after decompression: this is what
// kumoup's host.kumod.body.limit sends, without a token, from loopback.
func TestInjectWhitespaceAtTheLimitIs400AndOneMoreIs413(t *testing.T) {
	const limit = 3 << 20
	k := start(t, standin.Config{BodyLimit: limit})
	at, over := bytes.Repeat([]byte(" "), limit), bytes.Repeat([]byte(" "), limit+1)
	plain := map[string]string{"Content-Type": "application/json"}
	gz := map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}
	df := map[string]string{"Content-Type": "application/json", "Content-Encoding": "deflate"}

	expect(t, do(t, k, "POST", "/api/inject/v1", plain, at), 400, "Failed to parse the request body as JSON: EOF while parsing a value at line 1 column 3145728")
	expect(t, do(t, k, "POST", "/api/inject/v1", plain, over), 413, "Failed to buffer the request body: length limit exceeded")
	expect(t, do(t, k, "POST", "/api/inject/v1", gz, gzipOf(at)), 400, "EOF while parsing a value")
	expect(t, do(t, k, "POST", "/api/inject/v1", gz, gzipOf(over)), 413, "length limit exceeded")
	expect(t, do(t, k, "POST", "/api/inject/v1", df, zlibOf(at)), 400, "EOF while parsing a value")
	expect(t, do(t, k, "POST", "/api/inject/v1", df, zlibOf(over)), 413, "length limit exceeded")

	reqs := k.Requests()
	if len(reqs) != 6 {
		t.Fatalf("recorded %d requests, want 6", len(reqs))
	}
	if n := reqs[3].BodyLength; n > 8<<10 {
		t.Errorf("the gzip of %d spaces took %d bytes on the wire", limit+1, n)
	}
}

// TestInjectRefusalsComeInKumodsOrder: an unsupported Content-Encoding is
// refused by the decompression layer (415, empty body, Accept-Encoding)
// before authentication and routing; then the content type (415) before a
// byte is read; then the body (broken compression 400, over the limit
// 413); then JSON syntax (400) and shape (422).
func TestInjectRefusalsComeInKumodsOrder(t *testing.T) {
	k := start(t, standin.Config{BodyLimit: 1024})
	big := bytes.Repeat([]byte(" "), 2048)
	for _, tc := range []struct {
		name     string
		header   map[string]string
		body     []byte
		status   int
		contains string
	}{
		{"unsupported encoding, before the bearer check", map[string]string{"Content-Encoding": "br", "Authorization": "Bearer x", "Content-Type": "application/json"}, []byte("{}"), 415, ""},
		{"encoding compared exactly (x-gzip)", map[string]string{"Content-Encoding": "x-gzip", "Content-Type": "application/json"}, gzipOf([]byte("{}")), 415, ""},
		{"encoding compared exactly (GZIP)", map[string]string{"Content-Encoding": "GZIP", "Content-Type": "application/json"}, gzipOf([]byte("{}")), 415, ""},
		{"bearer checked before the content type", map[string]string{"Content-Encoding": "gzip", "Authorization": "Bearer x"}, gzipOf(big), 401, "BearerToken Authentication Failed"},
		{"content type before the body limit", map[string]string{"Content-Encoding": "gzip"}, gzipOf(big), 415, "Expected request with `Content-Type: application/json`"},
		{"content type before broken gzip", map[string]string{"Content-Encoding": "gzip"}, []byte("not gzip"), 415, "Content-Type"},
		{"broken gzip", map[string]string{"Content-Encoding": "gzip", "Content-Type": "application/json"}, []byte("not gzip"), 400, "Failed to buffer the request body"},
		{"raw deflate is not HTTP deflate", map[string]string{"Content-Encoding": "deflate", "Content-Type": "application/json"}, rawDeflateOf([]byte("{}")), 400, "Failed to buffer the request body"},
		{"identity", map[string]string{"Content-Encoding": "identity", "Content-Type": "application/json"}, []byte("{}"), 422, "envelope_sender"},
		{"limit before JSON syntax", map[string]string{"Content-Type": "application/json"}, append([]byte("{"), big...), 413, "length limit exceeded"},
		{"syntax before shape", map[string]string{"Content-Type": "application/json", "Content-Encoding": "deflate"}, zlibOf([]byte(`{"bogus":`)), 400, "Failed to parse the request body as JSON"},
		{"shape", map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}, gzipOf([]byte(`{}`)), 422, "Failed to deserialize the JSON body into the target type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := do(t, k, "POST", "/api/inject/v1", tc.header, tc.body)
			expect(t, a, tc.status, tc.contains)
			if tc.status == 415 && tc.contains == "" {
				if a.body != "" || a.header.Get("Accept-Encoding") != "gzip,deflate" {
					t.Errorf("415 from the decompression layer: body %q, Accept-Encoding %q; want an empty body and gzip,deflate", a.body, a.header.Get("Accept-Encoding"))
				}
			}
		})
	}
	if a := do(t, k, "GET", "/metrics", map[string]string{"Content-Encoding": "zstd"}, nil); a.status != 415 || strings.Contains(a.body, "kumo") {
		t.Errorf("GET /metrics with Content-Encoding zstd: %d %q, want 415 (the layer is in front of every route)", a.status, short(a.body))
	}
}
