package model

import (
	"fmt"
	"path"
	"strconv"
	"strings"
	"time"
)

// Default values for the optional answers.
const (
	DefaultACMEWebroot = "/var/www/letsencrypt"
	DefaultProxyPort   = 5000
	DefaultMaxBody     = "25m"
	DefaultListener    = "127.0.0.1:8000"
)

// Deployment is one KumoMTA host's answers. The YAML names are the field
// names of the answers file and of /etc/kumoup/kumoup.yaml. The two tokens
// are secrets: they are never marshalled to YAML (see [Answers] for how they
// are supplied).
type Deployment struct {
	// Domain is the public HTTPS name of the MTA host, e.g. mta.example.com.
	Domain string `yaml:"domain"`
	// TLSCertificate and TLSCertificateKey are the PEM files nginx serves;
	// they default to Let's Encrypt's live paths for Domain.
	TLSCertificate    string `yaml:"tls_certificate,omitempty"`
	TLSCertificateKey string `yaml:"tls_certificate_key,omitempty"`
	// ACMEWebroot is the directory nginx serves /.well-known/acme-challenge/ from.
	ACMEWebroot string `yaml:"acme_webroot,omitempty"`
	// ACMEEmail is the address Let's Encrypt writes to about the
	// certificate (expiry, policy changes); optional (see ValidateACMEEmail).
	ACMEEmail string `yaml:"acme_email,omitempty"`

	// InjectionToken is the bearer token the app sends to nginx.
	InjectionToken string `yaml:"-"`
	// WebhookToken is the bearer secret kumod sends with events to the app.
	WebhookToken string `yaml:"-"`
	// RetiredInjectionToken is, during a rotation of the injection token
	// (see rotation.go), the previous token, still accepted by nginx until
	// RetiredAt plus the grace period.
	RetiredInjectionToken string `yaml:"-"`
	// RetiredAt is when RetiredInjectionToken was retired.
	RetiredAt time.Time `yaml:"-"`
	// TokenGrace is how long a retired injection token stays accepted
	// ("7d", "36h"); empty means DefaultTokenGrace.
	TokenGrace string `yaml:"token_grace,omitempty"`

	// WebhookURL is the app's https endpoint for delivery events (PING8_WEBHOOK_URL).
	WebhookURL string `yaml:"webhook_url"`

	// ProxyHost and ProxyPort locate the KumoProxy SOCKS5 egress (KUMOPROXY_HOST, KUMOPROXY_PORT).
	ProxyHost string `yaml:"proxy_host"`
	ProxyPort int    `yaml:"proxy_port,omitempty"`
	// ProxyPublicIP is the address recipients see (KUMOPROXY_PUBLIC_IP).
	ProxyPublicIP string `yaml:"proxy_public_ip"`
	// HELO is the EHLO name kumod announces through the proxy (KUMOPROXY_HELO).
	HELO string `yaml:"helo"`

	// SendingDomains are optional envelope domains whose SPF must authorize ProxyPublicIP.
	SendingDomains []string `yaml:"sending_domains,omitempty"`

	// MaxBody is the largest injection body, in nginx size syntax ("25m").
	MaxBody string `yaml:"max_body,omitempty"`
	// Listener is the KumoMTA HTTP listener address; it must be loopback.
	Listener string `yaml:"listener,omitempty"`

	// Firewall holds the optional firewall answers (see firewall.go).
	Firewall Firewall `yaml:"firewall,omitempty"`
	// SMTPProxy holds the optional nginx reverse SMTP proxy answers (see smtpproxy.go).
	SMTPProxy SMTPProxy `yaml:"smtp_proxy,omitempty"`
}

// WithDefaults returns a copy of d with every empty optional field set to
// its default. Certificate paths derive from Domain.
func (d Deployment) WithDefaults() Deployment {
	if d.ACMEWebroot == "" {
		d.ACMEWebroot = DefaultACMEWebroot
	}
	if d.ProxyPort == 0 {
		d.ProxyPort = DefaultProxyPort
	}
	if d.MaxBody == "" {
		d.MaxBody = DefaultMaxBody
	}
	if d.Listener == "" {
		d.Listener = DefaultListener
	}
	if d.Domain != "" && ValidateDomain(d.Domain) == nil {
		if d.TLSCertificate == "" {
			d.TLSCertificate = CertificatePath(d.Domain)
		}
		if d.TLSCertificateKey == "" {
			d.TLSCertificateKey = CertificateKeyPath(d.Domain)
		}
	}
	return d
}

// CertificatePath is Let's Encrypt's full-chain path for domain. certbot
// lower-cases the names it is given, so its live directory is the
// lower-case name even for MTA.Example.COM.
func CertificatePath(domain string) string {
	return path.Join("/etc/letsencrypt/live", strings.ToLower(domain), "fullchain.pem")
}

// CertificateKeyPath is Let's Encrypt's private-key path for domain (in
// the lower-case live directory, like CertificatePath).
func CertificateKeyPath(domain string) string {
	return path.Join("/etc/letsencrypt/live", strings.ToLower(domain), "privkey.pem")
}

// MaxBodyBytes is MaxBody in bytes, for kumod's request_body_limit. It
// returns 0 when MaxBody does not parse (Validate reports that).
func (d Deployment) MaxBodyBytes() int64 {
	n, err := ParseSize(d.MaxBody)
	if err != nil {
		return 0
	}
	return n
}

// ProxyAddress is "host:port" of the SOCKS5 egress (IPv6 literals bracketed).
func (d Deployment) ProxyAddress() string {
	return joinHostPort(d.ProxyHost, d.ProxyPort)
}

// ListenerPort is the TCP port of Listener, or 0 when it does not parse.
func (d Deployment) ListenerPort() int {
	port, err := listenerPort(d.Listener)
	if err != nil {
		return 0
	}
	return port
}

// BaseURL is the URL the app uses to reach the MTA host.
func (d Deployment) BaseURL() string { return "https://" + d.Domain }

// InjectionPath is the path of KumoMTA's injection API.
const InjectionPath = "/api/inject/v1"

// MetricsPath is the path of KumoMTA's Prometheus endpoint.
const MetricsPath = "/metrics"

// MetricsURL is the authenticated metrics endpoint behind nginx.
func (d Deployment) MetricsURL() string { return d.BaseURL() + MetricsPath }

func joinHostPort(host string, port int) string {
	if isIPv6Literal(host) {
		return "[" + host + "]:" + strconv.Itoa(port)
	}
	return fmt.Sprintf("%s:%d", host, port)
}
