package model

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// SMTP proxy defaults.
const (
	// DefaultSMTPProxyListen is where nginx's mail module listens: port 25
	// on every address.
	DefaultSMTPProxyListen = "25"
	// DefaultSMTPProxyAuthPort is the loopback port of the static auth_http
	// endpoint nginx asks where to send each session.
	DefaultSMTPProxyAuthPort = 9125
)

// DefaultSMTPCapabilities are the EHLO keywords nginx announces for the
// back-end (nginx answers EHLO itself).
var DefaultSMTPCapabilities = []string{"SIZE", "8BITMIME", "PIPELINING", "ENHANCEDSTATUSCODES"}

// SMTPProxy holds the answers for the optional nginx reverse SMTP proxy
// (nginx's mail module in front of the MTA's SMTP listener).
type SMTPProxy struct {
	// Enabled turns the mail {} block on.
	Enabled bool `yaml:"enabled,omitempty"`
	// Listen is nginx's mail listen address: a port ("25") or ip:port.
	Listen string `yaml:"listen,omitempty"`
	// Backend is the MTA's SMTP listener, an IP literal and port
	// ("127.0.0.1:2525"): nginx's Auth-Server header takes no host name.
	Backend string `yaml:"backend,omitempty"`
	// XClient makes nginx send XCLIENT to the back-end. Only for a back-end
	// known to accept it (KumoMTA does not): one that does not answers 500
	// and every session dies.
	XClient bool `yaml:"xclient,omitempty"`
	// STARTTLS offers STARTTLS with the site's certificate.
	STARTTLS bool `yaml:"starttls,omitempty"`
	// Capabilities are the EHLO keywords announced (default SIZE, 8BITMIME,
	// PIPELINING, ENHANCEDSTATUSCODES).
	Capabilities []string `yaml:"capabilities,omitempty"`
	// AuthPort is the loopback port of the static auth_http endpoint
	// (default 9125).
	AuthPort int `yaml:"auth_port,omitempty"`
}

// ListenOrDefault is Listen, or "25".
func (s SMTPProxy) ListenOrDefault() string {
	if s.Listen == "" {
		return DefaultSMTPProxyListen
	}
	return s.Listen
}

// AuthPortOrDefault is AuthPort, or 9125.
func (s SMTPProxy) AuthPortOrDefault() int {
	if s.AuthPort == 0 {
		return DefaultSMTPProxyAuthPort
	}
	return s.AuthPort
}

// CapabilitiesOrDefault is Capabilities, or DefaultSMTPCapabilities.
func (s SMTPProxy) CapabilitiesOrDefault() []string {
	if len(s.Capabilities) == 0 {
		return append([]string(nil), DefaultSMTPCapabilities...)
	}
	return s.Capabilities
}

// ListenPort is the TCP port of Listen, or 0 when it does not parse.
func (s SMTPProxy) ListenPort() int {
	_, port, err := parseMailListen(s.ListenOrDefault())
	if err != nil {
		return 0
	}
	return port
}

// ListenAddr is the address of Listen; the zero Addr means every address.
func (s SMTPProxy) ListenAddr() netip.Addr {
	a, _, _ := parseMailListen(s.ListenOrDefault())
	return a
}

func parseMailListen(s string) (netip.Addr, int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if ValidatePort(n) != nil {
			return netip.Addr{}, 0, fmt.Errorf("%q is not a port from 1 to 65535", s)
		}
		return netip.Addr{}, n, nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("%q is neither a port nor ip:port: write 25, 192.0.2.10:25 or [2001:db8::10]:25", s)
	}
	if ap.Addr().Zone() != "" {
		return netip.Addr{}, 0, fmt.Errorf("%q: drop the %%zone", s)
	}
	if ap.Port() == 0 {
		return netip.Addr{}, 0, fmt.Errorf("%q: port 0 is not a fixed port", s)
	}
	a := ap.Addr()
	if a.IsUnspecified() {
		a = netip.Addr{}
	}
	return a, int(ap.Port()), nil
}

// ValidateSMTPCapability checks one EHLO keyword line: a keyword of
// letters, digits and '-', optional parameters of printable characters,
// and none of the keywords nginx or other answers manage.
func ValidateSMTPCapability(s string) error {
	if s == "" {
		return errors.New("is empty: give an EHLO keyword like 8BITMIME")
	}
	if u := firstUnsafe(strings.ReplaceAll(s, " ", "")); u != "" {
		return fmt.Errorf("%q: %s is not allowed in an EHLO keyword", s, u)
	}
	kw, _, _ := strings.Cut(s, " ")
	for i := 0; i < len(kw); i++ {
		c := kw[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return fmt.Errorf("%q: keyword %q may hold only letters, digits and '-'", s, kw)
		}
	}
	switch strings.ToUpper(kw) {
	case "STARTTLS":
		return errors.New("STARTTLS is announced by smtp_proxy.starttls: remove it here and set starttls: true")
	case "AUTH":
		return errors.New("AUTH is not offered: the proxy runs with smtp_auth none (the back-end decides what to accept)")
	case "XCLIENT", "XFORWARD":
		return fmt.Errorf("%s is between nginx and the back-end, not for clients: remove it (see smtp_proxy.xclient)", strings.ToUpper(kw))
	}
	return nil
}

// validate reports problems in the SMTP proxy answers.
func (s SMTPProxy) validate(p *Problems) {
	if s.Listen != "" {
		_, _, err := parseMailListen(s.Listen)
		p.addErr("smtp_proxy.listen", err)
	}
	for i, c := range s.Capabilities {
		p.addErr("smtp_proxy.capabilities["+strconv.Itoa(i)+"]", ValidateSMTPCapability(c))
	}
	if s.AuthPort != 0 {
		p.addErr("smtp_proxy.auth_port", ValidatePort(s.AuthPort))
	}
	if !s.Enabled {
		return
	}
	if s.Backend == "" {
		p.addErr("smtp_proxy.backend", errors.New("is required when smtp_proxy is enabled: give the MTA's SMTP listener as ip:port, like 127.0.0.1:2525"))
		return
	}
	if err := ValidateAddrPort(s.Backend); err != nil {
		p.addErr("smtp_proxy.backend", fmt.Errorf("%w: nginx's Auth-Server takes an IP literal, not a host name", err))
		return
	}
	be := netip.MustParseAddrPort(s.Backend)
	if be.Addr().IsUnspecified() {
		p.addErr("smtp_proxy.backend", fmt.Errorf("%q is the unspecified address: give the address the back-end listens on, like 127.0.0.1:2525", s.Backend))
		return
	}
	la, lport, err := parseMailListen(s.ListenOrDefault())
	if err == nil && int(be.Port()) == lport && (!la.IsValid() || la == be.Addr()) {
		p.addErr("smtp_proxy.backend", fmt.Errorf("%q is where nginx itself listens (smtp_proxy.listen %q): move the back-end to another port, like 127.0.0.1:2525", s.Backend, s.ListenOrDefault()))
	}
	if err == nil && lport == s.AuthPortOrDefault() {
		p.addErr("smtp_proxy.auth_port", fmt.Errorf("%d is the mail listen port: choose another loopback port (default %d)", s.AuthPortOrDefault(), DefaultSMTPProxyAuthPort))
	}
}
