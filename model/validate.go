package model

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"strconv"
	"strings"
)

// Validate checks every answer of d (after defaults are applied by the
// caller, see WithDefaults) and returns all problems at once.
func (d Deployment) Validate() Problems {
	var p Problems
	domainErr := ValidateDomain(d.Domain)
	p.addErr("domain", domainErr)
	// The certificate paths default from the domain (WithDefaults): with a
	// bad domain they are empty only because of it, and "is required" would
	// send the operator to fix the wrong answer.
	for _, c := range []struct{ field, path string }{{"tls_certificate", d.TLSCertificate}, {"tls_certificate_key", d.TLSCertificateKey}} {
		if c.path == "" && domainErr != nil {
			continue
		}
		p.addErr(c.field, ValidateAbsPath(c.path))
	}
	p.addErr("acme_webroot", ValidateAbsPath(d.ACMEWebroot))
	p.addErr("acme_email", ValidateACMEEmail(d.ACMEEmail))
	p.addErr("injection_token", ValidateToken(d.InjectionToken))
	// The environment file's fields, by the same rules ValidateEnv applies
	// to the file (see envFields).
	for _, f := range envFields {
		f.check(&d, &p, f.field)
		if f.name == EnvWebhookToken && d.InjectionToken != "" && d.InjectionToken == d.WebhookToken {
			p.addErr(f.field, errors.New("must differ from injection_token: a leaked webhook secret would then also let anyone inject mail; generate a new one"))
		}
	}
	for i, s := range d.SendingDomains {
		p.addErr(fmt.Sprintf("sending_domains[%d]", i), ValidateDomain(s))
	}
	warn, err := ValidateMaxBody(d.MaxBody)
	p.addErr("max_body", err)
	p.addWarn("max_body", warn)
	p.addErr("listener", ValidateListener(d.Listener))
	d.Firewall.validate(&p)
	d.SMTPProxy.validate(&p)
	d.validateRotation(&p)
	return p
}

// unsafeRune names a character that could break out of a config line, or "".
func unsafeRune(r rune) string {
	switch {
	case r > 0x7e:
		return fmt.Sprintf("non-ASCII character %q", r)
	case r == '\n':
		return "a newline"
	case r == '\t' || r == '\r' || r < 0x20 || r == 0x7f:
		return fmt.Sprintf("control character %q", r)
	case r == ' ':
		return "a space"
	case strings.ContainsRune("\"'`;{}$#\\<>|&*()!", r):
		return fmt.Sprintf("'%c'", r)
	}
	return ""
}

func firstUnsafe(s string) string {
	for _, r := range s {
		if u := unsafeRune(r); u != "" {
			return u
		}
	}
	return ""
}

// ValidateDomain checks a fully qualified host name: the public HTTPS name
// of the MTA host, the HELO name, a sending domain. It is an RFC 1123 host
// name (see validateHostSyntax) with at least one dot.
func ValidateDomain(s string) error {
	if err := validateHostSyntax(s); err != nil {
		return err
	}
	if !strings.Contains(s, ".") {
		return fmt.Errorf("%q is not a fully qualified name: use the public name clients resolve, like mta.example.com", s)
	}
	return nil
}

// validateHostSyntax checks the syntax of an RFC 1123 host name, dotted or
// a single label: not empty, at most 253 characters, no trailing dot, no
// wildcard, labels of letters, digits and inner '-' of at most 63
// characters, and not an IP address. ValidateDomain adds the dot a fully
// qualified name needs; a webhook's host and a proxy host name need only
// this.
func validateHostSyntax(s string) error {
	if s == "" {
		return errors.New("is required: give a host name like mta.example.com")
	}
	if u := firstUnsafe(s); u != "" {
		return fmt.Errorf("%q: %s is not allowed in a host name (letters, digits, '-' and '.')", s, u)
	}
	if len(s) > 253 {
		return fmt.Errorf("is %d characters long: a host name has at most 253", len(s))
	}
	if strings.HasSuffix(s, ".") {
		return fmt.Errorf("%q: drop the trailing dot", s)
	}
	if strings.HasPrefix(s, "*") {
		return fmt.Errorf("%q: a wildcard is not a host name; give the exact name", s)
	}
	labels := strings.Split(s, ".")
	for _, l := range labels {
		if l == "" {
			return fmt.Errorf("%q: empty label (two dots in a row or a leading dot)", s)
		}
		if len(l) > 63 {
			return fmt.Errorf("%q: label %q is longer than 63 characters", s, l)
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return fmt.Errorf("%q: label %q must not start or end with '-'", s, l)
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("%q: '%c' is not allowed in a host name (letters, digits, '-' and '.')", s, c)
			}
		}
	}
	if tld := labels[len(labels)-1]; strings.Trim(tld, "0123456789") == "" {
		return fmt.Errorf("%q looks like an IP address: give a host name", s)
	}
	return nil
}

// ValidateAbsPath checks a file or directory path used in a config file:
// absolute, clean, and free of characters that could break the config line.
func ValidateAbsPath(s string) error {
	if s == "" {
		return errors.New("is required: give an absolute path")
	}
	if len(s) > MaxPathLength {
		return fmt.Errorf("is %d characters long: Linux paths have at most %d", len(s), MaxPathLength)
	}
	if u := firstUnsafe(s); u != "" {
		return fmt.Errorf("%q: %s is not allowed in a path", s, u)
	}
	if !path.IsAbs(s) {
		return fmt.Errorf("%q is not absolute: start it with /", s)
	}
	if c := path.Clean(s); c != s {
		return fmt.Errorf("%q is not clean: write it as %q", s, c)
	}
	return nil
}

// MinTokenLength is the shortest token kumoup accepts.
const MinTokenLength = 32

// ValidateToken checks a bearer secret: an RFC 6750 b64token (letters,
// digits, '-', '.', '_', '~', '+', '/', then '=' padding) of at least 32
// characters. The message never repeats the token.
func ValidateToken(s string) error {
	if s == "" {
		return errors.New("is empty: let kumoup generate one, or supply at least 32 characters of A-Z a-z 0-9 - . _ ~ + /")
	}
	pad := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '=':
			if i == 0 {
				return errors.New("must not start with '='")
			}
			pad = true
		case pad:
			return fmt.Errorf("character %d: '=' may only appear as padding at the end", i+1)
		case c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-._~+/", c) >= 0:
		default:
			what := "a character"
			if c == ' ' || c == '\t' || c == '\n' || c == '\r' {
				what = "white space"
			} else if c >= 0x80 {
				what = "a non-ASCII character"
			} else if c >= 0x21 && c < 0x7f {
				what = fmt.Sprintf("'%c'", c)
			}
			return fmt.Errorf("character %d is %s, which is not allowed in a bearer token (A-Z a-z 0-9 - . _ ~ + / and trailing =); generate one instead", i+1, what)
		}
	}
	if len(s) < MinTokenLength {
		return fmt.Errorf("is %d characters long: use at least %d (kumoup generates 43)", len(s), MinTokenLength)
	}
	return nil
}

// Length limits: a path longer than PATH_MAX cannot be opened, and a URL
// longer than common server limits is a mistake (it would also make the
// environment file's line unreadable by some tools).
const (
	MaxPathLength = 4095
	MaxURLLength  = 2048
)

// ValidateWebhookURL checks the app's webhook endpoint: https, with a host,
// no credentials, no fragment.
func ValidateWebhookURL(s string) error {
	if s == "" {
		return errors.New("is required: give the app's https endpoint for delivery events")
	}
	if len(s) > MaxURLLength {
		return fmt.Errorf("is %d characters long: a webhook URL has at most %d; give the endpoint's address, not data", len(s), MaxURLLength)
	}
	for _, r := range s {
		if r == '%' || r == '&' || r == '?' || r == '=' || r == '!' || r == '*' || r == '(' || r == ')' || r == '#' { // '#' gets the fragment message below
			continue
		}
		if u := unsafeRune(r); u != "" {
			return fmt.Errorf("%q: %s is not allowed in the webhook URL", s, u)
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q does not parse as a URL: %w", s, errors.Unwrap(err))
	}
	if u.Scheme != "https" {
		return fmt.Errorf("%q: use https:// (the webhook token would travel in clear text)", s)
	}
	if !strings.HasPrefix(s, "https://") {
		if strings.HasPrefix(strings.ToLower(s), "https://") {
			// url.Parse accepts HTTPS://; the Lua module compares the
			// prefix literally and would refuse to start.
			return fmt.Errorf("%q: write the scheme in lower case: https://%s", s, s[len("https://"):])
		}
		return fmt.Errorf("%q has no host: write it as https://app.example.com/path", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q: remove the user:password@ part; kumod authenticates with the webhook token", redactUserinfo(u))
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("%q: remove the #fragment; it is never sent to the server", s)
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("%q has no host: write it as https://app.example.com/path", s)
	}
	if _, err := netip.ParseAddr(host); err != nil {
		if err := validateHostSyntax(host); err != nil {
			return fmt.Errorf("host %w", err)
		}
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("%q: port %q is not between 1 and 65535", s, p)
		}
	}
	return nil
}

func redactUserinfo(u *url.URL) string {
	c := *u
	c.User = url.User("REDACTED")
	return c.String()
}

// ValidateProxyHost checks KUMOPROXY_HOST. An IP literal is right; a host
// name is accepted with a warning, because released kumod needs an IP in
// socks5_proxy_server.
func ValidateProxyHost(s string) (warning, err error) {
	if s == "" {
		return nil, errors.New("is required: give the KumoProxy host's private IP address")
	}
	if a, perr := netip.ParseAddr(s); perr == nil {
		if a.Zone() != "" {
			return nil, fmt.Errorf("%q: drop the %%zone; kumod cannot use a zoned address", s)
		}
		if err := refuseMapped(s, a); err != nil {
			return nil, err
		}
		if a.IsUnspecified() {
			return nil, fmt.Errorf("%q is the unspecified address: give the proxy host's address", s)
		}
		return nil, nil
	}
	if err := validateHostSyntax(s); err != nil {
		return nil, err
	}
	return fmt.Errorf("%q is a host name: released kumod accepts only an IP literal in socks5_proxy_server; give the proxy's IP address", s), nil
}

// ValidatePort checks a TCP port number.
func ValidatePort(n int) error {
	if n < 1 || n > 65535 {
		return fmt.Errorf("%d is not a port: use a number from 1 to 65535 (KumoProxy's default is 5000)", n)
	}
	return nil
}

// ValidatePublicIP checks KUMOPROXY_PUBLIC_IP. It must parse as an IP; an
// address recipients cannot see (documentation, private, loopback, reserved)
// is a warning, so a placeholder still lets the rest be written.
func ValidatePublicIP(s string) (warning, err error) {
	if s == "" {
		return nil, errors.New("is required: give the public IP address recipients see for the KumoProxy host")
	}
	a, perr := netip.ParseAddr(s)
	if perr != nil {
		return nil, fmt.Errorf("%q is not an IP address: give the KumoProxy host's public IPv4 or IPv6 address", s)
	}
	if a.Zone() != "" {
		return nil, fmt.Errorf("%q: drop the %%zone", s)
	}
	if err := refuseMapped(s, a); err != nil {
		return nil, err
	}
	if kind := NonPublicKind(a); kind != "" {
		return fmt.Errorf("%s is a %s address: recipients will not see it; replace it with the proxy's real public IP before sending mail", s, kind), nil
	}
	return nil, nil
}

var nonPublic = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("192.0.2.0/24"), "documentation"},
	{netip.MustParsePrefix("198.51.100.0/24"), "documentation"},
	{netip.MustParsePrefix("203.0.113.0/24"), "documentation"},
	{netip.MustParsePrefix("2001:db8::/32"), "documentation"},
	{netip.MustParsePrefix("3fff::/20"), "documentation"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (CGNAT)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "benchmarking"},
	{netip.MustParsePrefix("0.0.0.0/8"), "reserved"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "reserved"},
	{netip.MustParsePrefix("100::/64"), "reserved"},
}

// NonPublicKind names why a is not a public unicast address ("documentation",
// "private", "loopback", ...), or returns "" for a public address.
func NonPublicKind(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local"
	case a.IsMulticast():
		return "multicast"
	case a.IsUnspecified():
		return "unspecified"
	}
	for _, n := range nonPublic {
		if n.prefix.Contains(a) {
			return n.kind
		}
	}
	return ""
}

// ValidateListener checks the KumoMTA HTTP listener address. It must be a
// loopback address: anything else exposes kumod's admin API without nginx.
func ValidateListener(s string) error {
	_, err := listenerPort(s)
	return err
}

// listenerPort checks the listener address s (loopback IP:PORT) and
// returns its port.
func listenerPort(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("is required: use %s", DefaultListener)
	}
	if u := firstUnsafe(s); u != "" {
		return 0, fmt.Errorf("%q: %s is not allowed in an address", s, u)
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not IP:PORT: use %s", s, DefaultListener)
	}
	a := ap.Addr()
	if a.Zone() != "" {
		return 0, fmt.Errorf("%q: drop the %%zone", s)
	}
	if a.Is4In6() {
		return 0, fmt.Errorf("%q is an IPv4-mapped IPv6 address: write it as %s; nginx would connect from ::ffff:127.0.0.1, which kumod's trusted_hosts does not list", s, netip.AddrPortFrom(a.Unmap(), ap.Port()))
	}
	if !a.IsLoopback() {
		what := "a non-loopback address"
		if a.IsUnspecified() {
			what = "every interface"
		}
		return 0, fmt.Errorf("%q listens on %s: kumod's HTTP listener serves the admin API with no authentication for trusted hosts, so it must stay on loopback behind nginx; use %s", s, what, DefaultListener)
	}
	if ap.Port() == 0 {
		return 0, fmt.Errorf("%q: port 0 is not a fixed port: use %s", s, DefaultListener)
	}
	return int(ap.Port()), nil
}

// refuseMapped refuses an IPv4-mapped IPv6 address (::ffff:10.0.0.5): kumod
// and KumoProxy would treat it as an IPv6 socket address, so the family no
// longer matches IPv4 destinations. The fix is the plain IPv4 form.
func refuseMapped(s string, a netip.Addr) error {
	if a.Is4In6() {
		return fmt.Errorf("%q is an IPv4-mapped IPv6 address: write it as %s (an IPv6 socket address would not match IPv4 destinations)", s, a.Unmap())
	}
	return nil
}

// isIPv6Literal reports whether s is an IPv6 address, IPv4-mapped ones
// included: a host:port needs it in brackets.
func isIPv6Literal(s string) bool {
	a, err := netip.ParseAddr(s)
	return err == nil && a.Is6()
}
