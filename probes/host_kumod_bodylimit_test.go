package probes

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kumoup/kumoup/internal/standin"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// kumodLimitFixture is a host fixture (the policy module rendered with
// request_body_limit = max_body, 25m) whose listener is a stand-in kumod
// started with limit bytes.
func kumodLimitFixture(t *testing.T, limit int64) (*hostFixture, *standin.Kumod) {
	t.Helper()
	f := newHostFixture(t)
	k, err := standin.Start(context.Background(), standin.Config{BodyLimit: limit})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = k.Close() })
	f.target.Deployment.Listener = k.Addr()
	return f, k
}

// kumodSawNoTokenAndNoMail: every request reached kumod without an
// Authorization header, small on the wire, and none was injected.
func kumodSawNoTokenAndNoMail(t *testing.T, k *standin.Kumod, want int) {
	t.Helper()
	reqs := k.Requests()
	if len(reqs) != want {
		t.Errorf("kumod saw %d requests, want %d", len(reqs), want)
	}
	for _, r := range reqs {
		if r.Authorization {
			t.Errorf("a request to kumod carried an Authorization header")
		}
		if r.Status == http.StatusOK {
			t.Errorf("kumod answered 200: something was injected")
		}
		if r.BodyLength > 64<<10 {
			t.Errorf("%d bytes sent on the wire, want under 64 KiB", r.BodyLength)
		}
	}
}

func TestKumodBodyLimitPassesWhenTheListenerEnforcesMaxBody(t *testing.T) {
	f, k := kumodLimitFixture(t, 25<<20)
	r := hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, r, StatusPass, "gzip of 26214400 bytes of spaces", ": 400 (read whole, not JSON: nothing injected); with 26214401 bytes: 413",
		"request_body_limit 26214400 in "+f.target.Layout.LuaModule())
	kumodSawNoTokenAndNoMail(t, k, 2)
	if reqs := k.Requests(); len(reqs) == 2 && (reqs[0].Status != 400 || reqs[1].Status != 413) {
		t.Errorf("kumod answered %d then %d, want 400 then 413", reqs[0].Status, reqs[1].Status)
	}
}

// TestKumodBodyLimitFailsAtKumodsDefault: the seed's common mistake, kumod
// left at its 2 MiB default while max_body is 25m. The module on disk says
// 25m (kumod not restarted since): the live answer decides.
func TestKumodBodyLimitFailsAtKumodsDefault(t *testing.T) {
	f, k := kumodLimitFixture(t, 0)
	r := hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, r, StatusFail, "gzip of 26214400 bytes of spaces", `413 "Failed to buffer the request body: length limit exceeded"`,
		"kumod refuses less than max_body (25m)", "files: request_body_limit 26214400",
		"`request_body_limit = 26214400` in kumo.start_http_listener in "+f.target.Layout.LuaModule(), "systemctl restart kumomta")
	// One question was enough.
	kumodSawNoTokenAndNoMail(t, k, 1)
}

func TestKumodBodyLimitFailsWhenTheListenerTakesMore(t *testing.T) {
	f, k := kumodLimitFixture(t, 50<<20)
	r := hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, r, StatusFail, "with 26214401 bytes: 400", "kumod takes more than max_body (25m)", "request_body_limit = 26214400")
	kumodSawNoTokenAndNoMail(t, k, 2)
}

// TestKumodBodyLimitFailsOnTheFileWhenTheListenerIsRight: the running kumod
// has the right limit but the module lost request_body_limit: the next
// restart falls back to 2 MiB.
func TestKumodBodyLimitFailsOnTheFileWhenTheListenerIsRight(t *testing.T) {
	f, _ := kumodLimitFixture(t, 25<<20)
	hostWriteFile(t, f.target.Layout.LuaModule(), "kumo.start_http_listener { listen = '127.0.0.1:8000' }\n", 0o644)
	r := hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, r, StatusFail, "with 26214401 bytes: 413", "files: kumod's default 2097152 bytes", "kumod answers 413 to what nginx lets through", f.target.Layout.LuaModule())
}

// A listener that does not answer is a skip that says so; the file's
// verdict still fails when the file is wrong.
func TestKumodBodyLimitReportsAnUnreachableListener(t *testing.T) {
	f := newHostFixture(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.target.Deployment.Listener = ln.Addr().String()
	ln.Close()
	r := hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, r, StatusSkip, "not run: kumod's listener "+f.target.Deployment.Listener+" does not answer", "connection refused", "files: request_body_limit 26214400", "systemctl start kumomta")

	hostWriteFile(t, f.target.Layout.LuaModule(), "kumo.start_http_listener { listen = '127.0.0.1:8000' }\n", 0o644)
	r = hostRun(t, f.target, "host.kumod.body.limit")
	wantResult(t, r, StatusFail, "does not answer", "files: kumod's default 2097152 bytes", "request_body_limit = 26214400")
}

// Something that is not kumod answers: no verdict, a warning.
func TestKumodBodyLimitWarnsWhenTheListenerIsNotKumod(t *testing.T) {
	f := newHostFixture(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	defer srv.Close()
	f.target.Deployment.Listener = srv.Listener.Addr().String()
	wantResult(t, hostRun(t, f.target, "host.kumod.body.limit"), StatusWarn, `404 "404 page not found" (want 400 at the limit, 413 over it): body limit unknown`, "/api/check-liveness/v1")
}

func TestKumodBodyLimitFileForAnOldKumodGivesTheUpgrade(t *testing.T) {
	full := hostTestDeployment()
	files, err := writer.Render(full, writer.Options{Kumod: model.MustKumoVersion("kumod 2024.03.01-0f1e2d3c")})
	if err != nil {
		t.Fatal(err)
	}
	f := newHostFixture(t)
	for _, file := range files {
		if file.Path == writer.LuaModulePath {
			hostWriteFile(t, f.target.Layout.LuaModule(), string(file.Content), 0o644)
		}
	}
	r := kumodBodyLimitFile(context.Background(), f.target, "25m", 25<<20)
	wantResult(t, r, StatusFail, "kumod's default 2097152 bytes", "upgrade KumoMTA to 2024.06.10")
}

func TestKumodBodyLimitFileReadsTheModule(t *testing.T) {
	for _, tc := range []struct {
		name, lua string
		status    Status
		fragment  string
	}{
		{"the module's constant", "-- limit\nkumoup.REQUEST_BODY_LIMIT = 26214400\nkumo.start_http_listener { request_body_limit = kumoup.REQUEST_BODY_LIMIT }\n", StatusPass, "request_body_limit 26214400"},
		{"a literal", "request_body_limit = 26214400,\n", StatusPass, "= max_body 25m"},
		{"commented out", "-- request_body_limit = 26214400,\n", StatusFail, "kumod's default 2097152 bytes"},
		{"larger", "request_body_limit = 52428800,\n", StatusFail, "kumod would take more than nginx lets through"},
		{"not a number", "request_body_limit = limits.body,\n", StatusFail, "not a number of bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newHostFixture(t)
			hostWriteFile(t, f.target.Layout.LuaModule(), tc.lua, 0o644)
			wantResult(t, kumodBodyLimitFile(context.Background(), f.target, "25m", 25<<20), tc.status, tc.fragment)
		})
	}
	f := newHostFixture(t)
	f.target.Layout.Root += "/missing"
	wantResult(t, kumodBodyLimitFile(context.Background(), f.target, "25m", 25<<20), StatusFail, "cannot read the KumoMTA policy module")
}

// TestKumodProbeBodiesInflateToExactlyTheLimit: both members are valid
// gzip (Go's reader checks CRC-32 and ISIZE) of exactly n and n+1 spaces,
// and 25 MiB costs well under 64 KiB on the wire (measured: about 25 KB).
func TestKumodProbeBodiesInflateToExactlyTheLimit(t *testing.T) {
	for _, n := range []int64{1, 64 << 10, 25 << 20, 65 << 20} {
		at, over := kumodProbeBodies(n)
		for i, body := range [][]byte{at, over} {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatalf("n=%d: %v", n, err)
			}
			zr.Multistream(false)
			var count int64
			buf := make([]byte, 1<<20)
			for {
				k, err := zr.Read(buf)
				if len(bytes.Trim(buf[:k], " ")) > 0 {
					t.Fatalf("n=%d: a byte other than a space", n)
				}
				count += int64(k)
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("n=%d body %d: %v", n, i, err)
				}
			}
			if want := n + int64(i); count != want {
				t.Errorf("n=%d body %d inflates to %d bytes, want %d", n, i, count, want)
			}
		}
		if n == 25<<20 {
			t.Logf("25 MiB: %d and %d bytes on the wire", len(at), len(over))
			if len(at) > 64<<10 || len(over) > 64<<10 {
				t.Errorf("25 MiB of spaces take %d and %d bytes, want under 64 KiB", len(at), len(over))
			}
		}
	}
}

func TestKumodProbeAddrAsksLoopbackForAnUnspecifiedListener(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8000": "127.0.0.1:8000",
		"0.0.0.0:8000":   "127.0.0.1:8000",
		"[::]:8000":      "[::1]:8000",
		"[::1]:8001":     "[::1]:8001",
		"localhost:8000": "localhost:8000",
	} {
		if got := kumodProbeAddr(in); got != want {
			t.Errorf("kumodProbeAddr(%q) = %q, want %q", in, got, want)
		}
	}
	if !strings.Contains(kumodProbeAddr("nonsense"), "nonsense") {
		t.Error("an address without a port is kept as it is")
	}
}

// A listener that answers with endless headers, or not at all, is read
// within bounds: the check ends in its own words, within its time limit.
func TestKumodBodyLimitReadsAHostileListenerWithinBounds(t *testing.T) {
	for name, serve := range map[string]func(net.Conn){
		"endless headers": func(c net.Conn) {
			_, _ = io.WriteString(c, "HTTP/1.1 400 Bad Request\r\n")
			line := []byte("X-Filler: " + strings.Repeat("a", 1000) + "\r\n")
			for {
				if _, err := c.Write(line); err != nil {
					return
				}
			}
		},
		"silence": func(c net.Conn) { _, _ = io.Copy(io.Discard, c) },
	} {
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					go func() { defer c.Close(); serve(c) }()
				}
			}()
			f := newHostFixture(t)
			f.target.Deployment.Listener = ln.Addr().String()
			f.target.Timeout = time.Second
			start := time.Now()
			r := hostRun(t, f.target, "host.kumod.body.limit")
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("took %s", took)
			}
			wantResult(t, r, StatusSkip, "gives no HTTP answer kumoup can read")
		})
	}
}

// A 400 that says the body could not be read (broken compression) is not
// the JSON refusal that proves the body was read whole: no verdict.
func TestKumodBodyLimitDoesNotTakeABodyErrorForAVerdict(t *testing.T) {
	f := newHostFixture(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "Failed to buffer the request body: invalid gzip header", http.StatusBadRequest)
	}))
	defer srv.Close()
	f.target.Deployment.Listener = srv.Listener.Addr().String()
	wantResult(t, hostRun(t, f.target, "host.kumod.body.limit"), StatusWarn, "body limit unknown")
}

func TestKumodBodyLimitSkipsAMaxBodyThatIsNotASize(t *testing.T) {
	f, k := kumodLimitFixture(t, 25<<20)
	f.target.Deployment.MaxBody = "lots"
	wantResult(t, hostRun(t, f.target, "host.kumod.body.limit"), StatusSkip, `max_body "lots" is not a size`, f.target.Layout.AnswersFile())
	if n := len(k.Requests()); n != 0 {
		t.Errorf("kumod was asked %d times", n)
	}
}
