package standin_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/internal/standin"
)

func start(t *testing.T, cfg standin.Config) *standin.Kumod {
	t.Helper()
	k, err := standin.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := k.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return k
}

// rawClient neither decompresses nor follows redirects.
var rawClient = &http.Client{
	Transport:     &http.Transport{DisableCompression: true},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

type answer struct {
	status int
	header http.Header
	body   string
}

// do sends method rawPath (sent exactly as written: no cleaning, no
// re-encoding) with the given headers and body.
func do(t *testing.T, k *standin.Kumod, method, rawPath string, header map[string]string, body []byte) answer {
	t.Helper()
	req := &http.Request{
		Method: method,
		URL:    &url.URL{Scheme: "http", Host: k.Addr(), Opaque: rawPath},
		Header: http.Header{},
		Host:   k.Addr(),
	}
	for name, v := range header {
		req.Header.Set(name, v)
	}
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.ContentLength = int64(len(body))
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawPath, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, rawPath, err)
	}
	return answer{resp.StatusCode, resp.Header, string(b)}
}

func expect(t *testing.T, a answer, status int, bodyContains string) {
	t.Helper()
	if a.status != status {
		t.Errorf("status %d, want %d (body %q)", a.status, status, short(a.body))
	}
	if !strings.Contains(a.body, bodyContains) {
		t.Errorf("body %q does not contain %q", short(a.body), bodyContains)
	}
}

func short(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}

var jsonCT = map[string]string{"Content-Type": "application/json"}

const validInject = `{"envelope_sender":"app@example.com","recipients":[{"email":"a@example.net"},{"email":"b@example.net","name":"B"}],"content":"Subject: hi\r\n\r\nhello\r\n"}`
