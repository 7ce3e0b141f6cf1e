package acme

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// Kind is the cause of a failure, in the operator's terms.
type Kind int

// The causes Classify tells apart.
const (
	// KindOther is a failure not recognised: certbot's own words are shown.
	KindOther Kind = iota
	// KindNotInstalled: certbot is missing.
	KindNotInstalled
	// KindName: the name does not resolve, or not to this host.
	KindName
	// KindPort80: port 80 is blocked, or does not serve the webroot.
	KindPort80
	// KindRateLimit: the ACME server refuses for now (rate limit).
	KindRateLimit
	// KindServer: the ACME server cannot be reached or is down.
	KindServer
	// KindCAA: a CAA record forbids this CA.
	KindCAA
)

// Failure is why the certificate was not obtained: the cause and the fix
// in plain words, and what certbot printed.
type Failure struct {
	Kind  Kind
	Cause string
	Fix   string
	// Output is certbot's output, line by line (no secret in it: certbot
	// is given none).
	Output []string
	Err    error
}

func (f *Failure) Error() string {
	if f.Fix == "" {
		return f.Cause
	}
	return f.Cause + ": " + f.Fix
}

func (f *Failure) Unwrap() error { return f.Err }

var (
	// Let's Encrypt (Boulder) and pebble word the same problems
	// differently; certbot prints the problem's type on a line of its own.
	reDNS        = regexp.MustCompile(`(?i)DNS problem|NXDOMAIN|no valid A records|SERVFAIL looking up|could not resolve|Type:\s+dns\b`)
	reConnect    = regexp.MustCompile(`(?i)(Timeout during connect|Connection refused|connection reset|Timeout after connect|likely firewall problem|Fetching http://\S+: (Error|Timeout)|Type:\s+connection\b)`)
	reInvalid    = regexp.MustCompile(`(?i)(?:Invalid response from \S+?:?\s+|Non-200 status code from HTTP: \S+ returned )(\d{3})`)
	reUnauth     = regexp.MustCompile(`(?i)Type:\s+unauthorized\b`)
	reRateLimit  = regexp.MustCompile(`(?i)rateLimited|too many (certificates|failed authorizations|new orders|registrations|requests)|rate limit`)
	reServerDown = regexp.MustCompile(`(?i)(Max retries exceeded with url|Failed to establish a new connection|NewConnectionError|Unable to reach|Service Unavailable|Name or service not known|Temporary failure in name resolution|Connection aborted|SSLError|certificate verify failed|503 Server Error)`)
	reCAA        = regexp.MustCompile(`(?i)CAA record`)
	reDetail     = regexp.MustCompile(`(?m)^\s*Detail:\s*(.+)$`)
)

// Classify turns certbot's output into a cause and a fix in plain words.
func Classify(r Request, output string) *Failure {
	name := r.Domain
	detail := ""
	if m := reDetail.FindStringSubmatch(output); m != nil {
		detail = strings.TrimSpace(m[1])
	}
	with := func(s string) string {
		if detail != "" {
			return s + " (the ACME server said: " + detail + ")"
		}
		return s
	}
	server := r.Server
	if server == "" {
		server = LetsEncrypt
	}
	host := server
	if u, err := url.Parse(server); err == nil && u.Host != "" {
		host = u.Host
	}
	switch {
	case reRateLimit.MatchString(output):
		return &Failure{Kind: KindRateLimit,
			Cause: with("the ACME server refused for now: a rate limit was reached"),
			Fix:   "wait for the limit to reset (an hour for failed validations, a week for duplicate certificates at Let's Encrypt), fix the cause of the earlier failures first, and try new setups with --staging"}
	case reCAA.MatchString(output):
		return &Failure{Kind: KindCAA,
			Cause: with("a CAA record of " + name + " (or its parent) does not allow this certificate authority"),
			Fix:   "add `CAA 0 issue \"letsencrypt.org\"` to the zone, or remove the CAA record"}
	case reDNS.MatchString(output):
		return &Failure{Kind: KindName,
			Cause: with(name + " does not resolve for the ACME server"),
			Fix:   "create an A (and AAAA, if this host has IPv6) record for " + name + " pointing at this host's public address, wait for it to propagate, then try again"}
	case reInvalid.MatchString(output):
		m := reInvalid.FindStringSubmatch(output)
		return &Failure{Kind: KindPort80,
			Cause: with(fmt.Sprintf("port 80 of %s answered %s for the challenge file: it does not serve %s", name, m[1], r.Webroot)),
			Fix:   fmt.Sprintf("the name must reach this host's nginx, and its port 80 server for %s must have `location ^~ /.well-known/acme-challenge/ { root %s; }` (`kumoup apply` writes it; Debian's default site answers for other names); then `nginx -t && systemctl reload nginx`", name, r.Webroot)}
	case reUnauth.MatchString(output):
		return &Failure{Kind: KindPort80,
			Cause: with("port 80 of " + name + " did not serve the challenge file from " + r.Webroot),
			Fix:   fmt.Sprintf("the name must reach this host's nginx, and its port 80 server for %s must have `location ^~ /.well-known/acme-challenge/ { root %s; }` (`kumoup apply` writes it); then `nginx -t && systemctl reload nginx`", name, r.Webroot)}
	case reConnect.MatchString(output) && strings.Contains(output, "acme-challenge"):
		return &Failure{Kind: KindPort80,
			Cause: with("the ACME server could not connect to port 80 of " + name),
			Fix:   "open port 80 to everyone (the ACME server validates from many networks: `ufw allow 80/tcp`, and the cloud provider's firewall), and make sure nginx runs (`systemctl start nginx`)"}
	case reServerDown.MatchString(output) || reConnect.MatchString(output):
		return &Failure{Kind: KindServer,
			Cause: "the ACME server " + host + " could not be reached or is down",
			Fix:   "check this host's outbound HTTPS (`curl -sI " + server + "`), and Let's Encrypt's status at https://letsencrypt.status.io; then try again"}
	}
	last := ""
	for _, l := range strings.Split(strings.TrimSpace(output), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			last = l
		}
	}
	return &Failure{Kind: KindOther,
		Cause: with("certbot failed: " + last),
		Fix:   "read " + r.LogsDir + "/letsencrypt.log, fix the cause, and run this again"}
}
