package metrics

import (
	"fmt"
	"net/http"
)

// Kind classifies why a scrape failed, for the UI to say what happened and
// what to do.
type Kind int

// Kinds of scrape failure.
const (
	KindUnreachable         Kind = iota + 1 // no TCP connection (refused, no route, DNS, connect timeout)
	KindTLS                                 // TLS handshake or certificate verification failed
	KindUnauthorizedByNginx                 // 401 from nginx: wrong or missing token
	KindRefusedByKumod                      // 401 from kumod: nginx forwarded the Authorization header
	KindUpstreamDown                        // 502 or 504: nginx cannot reach kumod
	KindTimeout                             // no complete answer within the scrape deadline
	KindTooLarge                            // the exposition exceeds Config.MaxBody
	KindMalformed                           // the exposition is not valid text format
	KindRedirect                            // a 3xx answer; never followed
	KindHTTPStatus                          // any other non-200 status
)

var kindNames = map[Kind]string{
	KindUnreachable: "unreachable", KindTLS: "tls", KindUnauthorizedByNginx: "unauthorized by nginx",
	KindRefusedByKumod: "refused by kumod", KindUpstreamDown: "upstream down", KindTimeout: "timeout",
	KindTooLarge: "too large", KindMalformed: "malformed", KindRedirect: "redirect", KindHTTPStatus: "http status",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// ScrapeError is a failed scrape, classified. It never contains the token.
type ScrapeError struct {
	Kind   Kind
	URL    string // the endpoint scraped
	Status int    // HTTP status, when there was a response
	// Detail says more: the TLS verification reason, the redirect target,
	// the size cap, the parse error.
	Detail string
	Line   int   // for KindMalformed: the 1-based line of the first error
	Err    error // the underlying error, if any
}

func (e *ScrapeError) Error() string {
	msg := "scrape " + e.URL + ": " + e.Message()
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

func (e *ScrapeError) Unwrap() error { return e.Err }

// Message is a one-line description for an operator.
func (e *ScrapeError) Message() string {
	switch e.Kind {
	case KindUnreachable:
		return "cannot connect to the metrics endpoint"
	case KindTLS:
		return "TLS verification of the metrics endpoint failed"
	case KindUnauthorizedByNginx:
		return "nginx rejected the bearer token (401)"
	case KindRefusedByKumod:
		return "kumod refused the request (401): nginx passes the Authorization header upstream"
	case KindUpstreamDown:
		return fmt.Sprintf("nginx cannot reach kumod (%d %s)", e.Status, http.StatusText(e.Status))
	case KindTimeout:
		return "the metrics endpoint did not answer in time"
	case KindTooLarge:
		return "the metrics exposition is too large"
	case KindMalformed:
		return fmt.Sprintf("the metrics exposition is not valid Prometheus text (line %d)", e.Line)
	case KindRedirect:
		return fmt.Sprintf("the metrics endpoint redirects (%d); not followed, token not sent", e.Status)
	case KindHTTPStatus:
		return fmt.Sprintf("unexpected HTTP status %d %s", e.Status, http.StatusText(e.Status))
	}
	return "scrape failed"
}

// Remedy is a one-line suggestion of what to do about it.
func (e *ScrapeError) Remedy() string {
	switch e.Kind {
	case KindUnreachable:
		return "check that nginx is running and listening on that host and port, the name resolves to it (or use --connect-to), and no firewall drops it"
	case KindTLS:
		return "trust the CA that signed nginx's certificate (--ca-file), and check the certificate's names and dates"
	case KindUnauthorizedByNginx:
		return "use the token nginx was configured with (the deployment's token file)"
	case KindRefusedByKumod:
		return `add proxy_set_header Authorization ""; to nginx's /metrics location and reload nginx`
	case KindUpstreamDown:
		return "start kumod (systemctl status kumomta) and check its HTTP listener matches nginx's proxy_pass"
	case KindTimeout:
		return "check kumod's load (systemctl status kumomta, CPU, queue count) and the network to nginx; " +
			"nginx waits 30s for kumod (proxy_read_timeout); kumoup metrics takes a longer --timeout with a longer --interval, " +
			"the dashboard waits 3/4 of --scrape-interval"
	case KindTooLarge:
		return "raise the size cap if this many series is expected (kumod prunes idle queues; very many series mean very many queues)"
	case KindMalformed:
		return "run kumoup metrics --dump to see what the endpoint returns; something other than kumod may be answering"
	case KindRedirect:
		return "point the URL at the final https address; nginx's /metrics location should answer directly"
	case KindHTTPStatus:
		return "check nginx's location for /metrics and its error log"
	}
	return ""
}
