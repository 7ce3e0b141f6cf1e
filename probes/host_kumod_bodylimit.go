package probes

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"

	"github.com/kumoup/kumoup/internal/fsread"
	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// kumodAnswerLimit bounds what is read of kumod's answer's body, and
// kumodHeadLimit its status line and headers.
const (
	kumodAnswerLimit = 4 << 10
	kumodHeadLimit   = 16 << 10
)

// checkKumodBodyLimit asks kumod's own listener whether it enforces
// max_body, then reads request_body_limit in the policy module as a second
// opinion (the value the next restart takes).
//
// kumod cannot be asked with headers only: hyper says 100 Continue as soon
// as the body is read, and the limit counts the body after decompression
// (docs/kumomta.md, "Request bodies"). So the probe sends, from loopback
// (a trusted host: no Authorization header, never a token), a gzip body
// that inflates to exactly max_body bytes of spaces, then to one more:
// whitespace is not JSON, so at the limit kumod answers 400 and injects
// nothing, and one byte over it answers 413. 25 MiB of spaces are about
// 25 KB on the wire.
func checkKumodBodyLimit(ctx context.Context, t *Target) Result {
	want, limit, _ := t.bodyLimitWant()
	if limit <= 0 || limit > model.MaxBodyLimit {
		r := Skip("not run: max_body %q is not a size from 1 byte to %d: nothing to compare with", want, int64(model.MaxBodyLimit))
		r.Remedy = "set max_body (like " + model.DefaultMaxBody + ") in " + t.Layout.AnswersFile() + ", then `" + writer.ApplyCommand(t.Layout) + "`"
		return r
	}
	files := kumodBodyLimitFile(ctx, t, want, limit)
	live, bad := t.kumodLiveBodyLimitOnce(ctx, want, limit)
	if bad != nil {
		if bad.Status == StatusSkip && files.Status == StatusFail {
			// The file is wrong whatever the listener says.
			files.Detail = "live: " + strings.TrimPrefix(bad.Detail, "not run: ") + "; files: " + files.Detail
			return files
		}
		bad.Detail += "; files: " + files.Detail
		return *bad
	}
	if live.Status == StatusFail {
		live.Detail += "; files: " + files.Detail
		return live
	}
	files.Detail = live.Detail + "; files: " + files.Detail
	return files
}

// kumodRemedy is the fix when kumod's limit is not max_body.
func (t *Target) kumodRemedy(want string, limit int64) string {
	return fmt.Sprintf("kumod's limit must be max_body (%s): `request_body_limit = %d` in kumo.start_http_listener in %s (kumoup.setup_listener(); `%s` writes it from max_body), and init.lua must start the listener through it; then `systemctl restart kumomta` (nginx's `client_max_body_size %s;` in %s stays equal)",
		want, limit, t.Layout.LuaModule(), writer.ApplyCommand(t.Layout), want, t.edgeSiteFile())
}

// kumodLiveBodyLimitOnce is kumodLiveBodyLimit asked once per kumod run
// (see kumodVerdicts): a remembered verdict says when it was asked.
func (t *Target) kumodLiveBodyLimitOnce(ctx context.Context, want string, limit int64) (Result, *Result) {
	started, source, _, _ := t.kumodStarted(ctx)
	if started.IsZero() {
		return t.kumodLiveBodyLimit(ctx, want, limit)
	}
	key := kumodVerdictKey{addr: kumodProbeAddr(t.edgeUpstream()), limit: limit, source: source}
	if v, ok := recallKumodVerdict(key, started); ok {
		r := v.result
		r.Detail += fmt.Sprintf(" (asked at %s; kumod has not restarted since: %s, started %s)",
			v.asked.UTC().Format("2006-01-02 15:04:05 MST"), source, started.UTC().Format("2006-01-02 15:04:05 MST"))
		return r, nil
	}
	live, bad := t.kumodLiveBodyLimit(ctx, want, limit)
	if bad == nil {
		rememberKumodVerdict(key, started, live, t.now())
	}
	return live, bad
}

// kumodLiveBodyLimit asks kumod's listener at max_body (want 400: read
// whole, not JSON) and one byte over it (want 413). bad is the Result to
// report instead when kumod could not be asked or gave no verdict.
func (t *Target) kumodLiveBodyLimit(ctx context.Context, want string, limit int64) (Result, *Result) {
	addr := kumodProbeAddr(t.edgeUpstream())
	at, over := kumodProbeBodies(limit)
	asked := func(n int64, body []byte) string {
		return fmt.Sprintf("POST %s to kumod's listener %s, no token, gzip of %d bytes of spaces (%d on the wire)", model.InjectionPath, addr, n, len(body))
	}
	badResult := func(r Result) (Result, *Result) { return Result{}, &r }
	fix := t.kumodRemedy(want, limit)

	first, err := t.kumodAsk(ctx, addr, at)
	if err != nil {
		r := Skip("not run: kumod's listener %s %v: kumod is not running, or listens elsewhere (listener in %s)", addr, err, t.Layout.AnswersFile())
		r.Remedy = t.edgeRemedyKumodDown()
		return badResult(r)
	}
	switch {
	case first.Status == http.StatusBadRequest && !bytes.Contains(first.Body, []byte("Failed to buffer")):
		// Read whole and refused by serde: the limit was not exceeded.
	case first.Status == http.StatusRequestEntityTooLarge:
		return Fail(fix, "%s: %s: kumod refuses less than max_body (%s)", asked(limit, at), edgeDescribeStatus(first), want), nil
	default:
		return badResult(t.kumodNoVerdict(asked(limit, at), first))
	}
	second, err := t.kumodAsk(ctx, addr, over)
	if err != nil {
		return badResult(Fail(t.edgeRemedyKumodDown(), "%s: 400, then %s: kumod %v", asked(limit, at), asked(limit+1, over), err))
	}
	detail := fmt.Sprintf("%s: 400 (read whole, not JSON: nothing injected); with %d bytes: %s", asked(limit, at), limit+1, edgeDescribeStatus(second))
	switch second.Status {
	case http.StatusRequestEntityTooLarge:
		return Pass("%s", detail), nil
	case http.StatusBadRequest:
		return Fail(fix, "%s (want 413): kumod takes more than max_body (%s)", detail, want), nil
	}
	return badResult(t.kumodNoVerdict(asked(limit+1, over), second))
}

// kumodNoVerdict is the Result when kumod answered neither 400 nor 413.
func (t *Target) kumodNoVerdict(asked string, r edgeResponse) Result {
	switch r.Status {
	case http.StatusUnauthorized:
		s := Skip("not run: %s: %s: kumod does not trust this address (trusted_hosts is 127.0.0.1 and ::1 by default); kumoup sends no token to kumod", asked, edgeDescribeStatus(r))
		s.Remedy = "run `kumoup status` on the KumoMTA host, with kumod's listener on loopback (" + model.DefaultListener + ")"
		return s
	}
	addr := kumodProbeAddr(t.edgeUpstream())
	remedy := "check that " + addr + " is kumod's HTTP listener (`curl -s http://" + addr + "/api/check-liveness/v1` says OK) and that KumoMTA is " + model.MinKumoVersion + " or later; the listener is set in " + t.Layout.AnswersFile()
	if r.Status == http.StatusUnsupportedMediaType {
		return Warn(remedy, "%s: %s: the listener does not take a gzip request body as kumod does: body limit unknown", asked, edgeDescribeStatus(r))
	}
	return Warn(remedy, "%s: %s (want 400 at the limit, 413 over it): body limit unknown", asked, edgeDescribeStatus(r))
}

// kumodAsk sends body, gzip-encoded JSON, to the injection path at addr
// over HTTP/1.1 without a token, and reads at most kumodAnswerLimit of
// the answer.
func (t *Target) kumodAsk(ctx context.Context, addr string, body []byte) (edgeResponse, error) {
	conn, err := t.DialContext(ctx, "tcp", addr)
	if err != nil {
		return edgeResponse{}, fmt.Errorf("does not answer (%w)", err)
	}
	defer conn.Close()
	defer bindConn(ctx, conn)()
	head := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: kumoup\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\nConnection: close\r\n\r\n",
		model.InjectionPath, addr, len(body))
	// kumod may answer 413 and close before the last byte is taken: the
	// answer is read even when the write failed.
	_, werr := conn.Write(append([]byte(head), body...))
	// The head and the body read are bounded too: a listener that is not
	// kumod may send anything.
	resp, err := http.ReadResponse(bufio.NewReader(io.LimitReader(conn, kumodHeadLimit+kumodAnswerLimit)), nil)
	if err != nil {
		if werr != nil {
			err = werr
		}
		return edgeResponse{}, fmt.Errorf("gives no HTTP answer kumoup can read (%w)", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, kumodAnswerLimit))
	return edgeResponse{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// kumodProbeAddr is where kumod's listener is asked: its address, with an
// unspecified host (every interface) replaced by loopback, the trusted
// host kumoup asks from.
func kumodProbeAddr(listener string) string {
	host, port, err := net.SplitHostPort(listener)
	if err != nil {
		return listener
	}
	if ip, err := netip.ParseAddr(host); err == nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.Is6() {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}

var kumodProbeCache struct {
	sync.Mutex
	n        int64
	at, over []byte
}

// kumodProbeBodies returns two gzip members: n spaces, and n+1. They
// share one deflate run (compressed once, ended by a sync flush), then
// end with a final stored block, empty or holding the last space, and
// their own CRC-32 and length. The last pair is kept: the dashboard asks
// again every refresh.
func kumodProbeBodies(n int64) (at, over []byte) {
	c := &kumodProbeCache
	c.Lock()
	defer c.Unlock()
	if c.at != nil && c.n == n {
		return c.at, c.over
	}
	level := flate.BestCompression
	if n > 64<<20 {
		level = flate.BestSpeed // 1 GiB: 0.6 s instead of 2
	}
	var run bytes.Buffer
	run.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}) // gzip header: deflate, no name, no time, unknown OS
	fw, _ := flate.NewWriter(&run, level)                    // the level is valid
	chunk := bytes.Repeat([]byte(" "), 64<<10)
	var crc uint32
	for left := n; left > 0; {
		k := min(left, int64(len(chunk)))
		_, _ = fw.Write(chunk[:k]) // into a bytes.Buffer
		crc = crc32.Update(crc, crc32.IEEETable, chunk[:k])
		left -= k
	}
	_ = fw.Flush() // byte-aligned, not final
	member := func(last []byte, crc uint32, size int64) []byte {
		b := bytes.NewBuffer(make([]byte, 0, run.Len()+len(last)+13))
		b.Write(run.Bytes())
		// A final stored block: BFINAL=1, BTYPE=00, LEN, NLEN, the bytes.
		b.WriteByte(0x01)
		_ = binary.Write(b, binary.LittleEndian, uint16(len(last)))
		_ = binary.Write(b, binary.LittleEndian, ^uint16(len(last)))
		b.Write(last)
		_ = binary.Write(b, binary.LittleEndian, crc)
		_ = binary.Write(b, binary.LittleEndian, uint32(size)) // ISIZE is the size mod 2^32
		return b.Bytes()
	}
	c.n = n
	c.at = member(nil, crc, n)
	c.over = member([]byte(" "), crc32.Update(crc, crc32.IEEETable, []byte(" ")), n+1)
	return c.at, c.over
}

// kumodBodyLimitFile reads request_body_limit in the policy module and
// compares it with max_body.
func kumodBodyLimitFile(ctx context.Context, t *Target, want string, limit int64) Result {
	lua := t.Layout.LuaModule()
	luaText, err := fsread.Read(ctx, lua, fsread.ConfigLimit)
	if err != nil {
		return Fail("write the policy module with `"+writer.ApplyCommand(t.Layout)+"`, then `systemctl restart kumomta`", "cannot read the KumoMTA policy module: %v", err)
	}
	luaCode := luaLineCommentRE.ReplaceAllString(string(luaText), "")
	var kumod int64 = kumodDefaultRequestLimit
	desc := fmt.Sprintf("kumod's default %d bytes (no request_body_limit in %s)", kumod, lua)
	if m := luaBodyLimitRE.FindStringSubmatch(luaCode); m != nil {
		n, ok := edgeLuaInteger(luaCode, m[1])
		if !ok {
			return Fail(t.kumodRemedy(want, limit), "request_body_limit = %s in %s is not a number of bytes kumoup can compare", m[1], lua)
		}
		kumod, desc = n, fmt.Sprintf("request_body_limit %d in %s", n, lua)
	}
	if kumod == limit {
		return Pass("%s = max_body %s", desc, want)
	}
	remedy := t.kumodRemedy(want, limit)
	if strings.Contains(luaCode, "REQUEST_BODY_LIMIT_SUPPORTED = false") {
		// Rendered for a kumod older than 2024.06.10, which rejects
		// request_body_limit: only an upgrade lifts its 2 MB default.
		remedy = fmt.Sprintf("upgrade KumoMTA to %s or later (older kumod has no request_body_limit), then run `%s` and `systemctl restart kumomta`", model.MinKumoVersion, writer.ApplyCommand(t.Layout))
	}
	what := "kumod answers 413 to what nginx lets through"
	if kumod > limit {
		what = "kumod would take more than nginx lets through"
	}
	return Fail(remedy, "%s, max_body %s (%d bytes): %s", desc, want, limit, what)
}
