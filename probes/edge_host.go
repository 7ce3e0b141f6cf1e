package probes

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

// edgeWrongHost is the Host header checkEdgeWrongHost sends with the right
// SNI: a name no server on this host serves (.invalid never resolves).
const edgeWrongHost = "kumoup-wrong-host.invalid"

// edgeWrongHostPaths are what checkEdgeWrongHost asks for: the root, the
// metrics and an admin path of kumod.
var edgeWrongHostPaths = []string{"/", model.MetricsPath, "/api/admin/bounce/v1"}

// checkEdgeWrongHost sends requests with the deployment's SNI but another
// Host header, without the token. nginx then picks the server by Host: the
// default 443 server, which must answer nothing (404, or 401, 421, or close
// the connection) and never serve content (its html root's welcome page)
// or reach kumod.
func checkEdgeWrongHost(ctx context.Context, t *Target) Result {
	remedy := fmt.Sprintf("in the default 443 server of %s (the one with ssl_reject_handshake on): `add_header Strict-Transport-Security \"max-age=63072000\" always;` and `return 404;` (`%s` writes them); then `nginx -t && systemctl reload nginx`", t.edgeSiteFile(), writer.ApplyCommand(t.Layout))
	var seen, open, noHSTS []string
	for _, p := range edgeWrongHostPaths {
		resp, err := t.edgeWrongHostGet(ctx, p)
		switch {
		case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
			seen = append(seen, p+": closed")
			continue
		case err != nil:
			return Fail(t.edgeTransportRemedy(err), "GET %s with Host: %s: no answer: %v", p, edgeWrongHost, err)
		}
		seen = append(seen, fmt.Sprintf("%s: %d", p, resp.Status))
		switch resp.Status {
		case http.StatusNotFound, http.StatusUnauthorized, http.StatusMisdirectedRequest:
			if _, verdict := hstsVerdict(resp.Header.Values("Strict-Transport-Security")); verdict != "" {
				noHSTS = append(noHSTS, p+": "+verdict)
			}
		default:
			open = append(open, fmt.Sprintf("%s: %s", p, edgeDescribeStatus(resp)))
		}
	}
	detail := fmt.Sprintf("SNI %s, Host %s, no token: %s", t.Deployment.Domain, edgeWrongHost, strings.Join(seen, ", "))
	switch {
	case len(open) > 0:
		return Fail(remedy, "%s: content for a name this host does not serve (%s; want 404, 401, 421 or a closed connection)", detail, strings.Join(open, ", "))
	case len(noHSTS) > 0:
		// HSTS is edge.hsts's to judge: one missing header, one failure.
		return Pass("%s (without HSTS: %s; see edge.hsts)", detail, strings.Join(noHSTS, ", "))
	}
	return Pass("%s", detail)
}

// edgeWrongHostGet sends one HTTP/1.1 GET for path with the deployment's
// SNI and the wrong Host (see edgeRawHTTP1).
func (t *Target) edgeWrongHostGet(ctx context.Context, path string) (edgeResponse, error) {
	return t.edgeRawHTTP1(ctx, fmt.Sprintf("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: kumoup\r\nConnection: close\r\n\r\n", path, edgeWrongHost))
}

// edgeRawHTTP1 sends head (a whole HTTP/1.1 request head, no body) over
// TLS to the HTTPS port with the deployment's SNI, on a connection of its
// own, and reads the first answer (a 100 Continue included). It never
// retries (net/http would, on a closed connection), so nginx's 444 shows
// as io.EOF. Nothing secret may be in head: the certificate is the tls
// checks' to judge, and is not verified here.
func (t *Target) edgeRawHTTP1(ctx context.Context, head string) (edgeResponse, error) {
	cfg := t.tlsClientConfig(t.Deployment.Domain)
	cfg.InsecureSkipVerify = true
	cfg.NextProtos = []string{"http/1.1"}
	conn, done, err := t.tlsDial(ctx, cfg)
	if err != nil {
		return edgeResponse{}, err
	}
	defer done()
	if _, err := io.WriteString(conn, head); err != nil {
		return edgeResponse{}, err
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return edgeResponse{}, err
	}
	defer resp.Body.Close()
	var body []byte
	if resp.StatusCode >= 200 {
		body, _ = io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	}
	return edgeResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}
