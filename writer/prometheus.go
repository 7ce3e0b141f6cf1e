package writer

import (
	"fmt"
	"net"
	"path"
	"strconv"

	"github.com/kumoup/kumoup/model"
)

// Defaults of the files for the operator's Prometheus and of the timer
// that exports the checks.
const (
	// PrometheusCredentialsDir holds, on the Prometheus server, one file per
	// MTA host with its injection token alone (mode 0600, owned by the
	// prometheus user).
	PrometheusCredentialsDir = "/etc/prometheus/kumoup"
	// PrometheusRulesPath is where the alert rules go on the Prometheus
	// server (Debian's prometheus reads /etc/prometheus).
	PrometheusRulesPath = "/etc/prometheus/kumoup.rules.yml"
	// TextfileDir is Debian's node_exporter textfile collector directory.
	TextfileDir = "/var/lib/prometheus/node-exporter"
	// TextfileName is the file kumoup status writes into it.
	TextfileName = "kumoup.prom"
	// NodeExporterPort is node_exporter's default port.
	NodeExporterPort = 9100
	// StatusServicePath and StatusTimerPath are the systemd pair that runs
	// `kumoup status --format prometheus --output ...` every minute.
	StatusServicePath = "/etc/systemd/system/kumoup-status.service"
	StatusTimerPath   = "/etc/systemd/system/kumoup-status.timer"
)

// PrometheusHost is one MTA host as the operator's Prometheus scrapes it.
type PrometheusHost struct {
	// Domain is the host's public name: the instance label, the TLS name.
	Domain string
	// HTTPSPort is nginx's HTTPS port (443 when 0).
	HTTPSPort int
	// Address is the host:port dialled for kumod's /metrics (Domain and
	// HTTPSPort when empty); when it is not Domain, TLS still verifies
	// Domain (server_name).
	Address string
	// TextfileAddress is node_exporter's host:port (Domain:9100 when empty).
	TextfileAddress string
	// CredentialsFile is the token file on the Prometheus server
	// (PrometheusCredentialsDir/Domain.token when empty).
	CredentialsFile string
}

// PrometheusOptions tune the scrape configuration.
type PrometheusOptions struct {
	// CAFile, when set, is the CA bundle (a path on the Prometheus server)
	// that verifies the hosts' certificates instead of the system roots.
	CAFile string
	// RulesFile is the alert rules' path on the Prometheus server
	// (PrometheusRulesPath when empty).
	RulesFile string
	// ScrapeInterval is the global scrape interval ("15s" when empty).
	ScrapeInterval string
}

// scrapeHost is one host as the template reads it.
type scrapeHost struct {
	Domain, Address, ServerName, TextfileAddress, CredentialsFile string
}

// RenderPrometheusConfig returns a prometheus.yml that scrapes every host:
// kumod's /metrics through nginx (HTTPS, TLS verified, the bearer token
// read from a credentials file), and kumoup's exported checks through
// node_exporter's textfile collector. Both jobs label the host
// instance="<domain>", so a host's kumod and check series join.
func RenderPrometheusConfig(hosts []PrometheusHost, opt PrometheusOptions) ([]byte, error) {
	if len(hosts) == 0 {
		return nil, fmt.Errorf("prometheus config: no host: give the MTA hosts' names (--host mta.example.com)")
	}
	seen := map[string]bool{}
	var data []scrapeHost
	for _, h := range hosts {
		if err := model.ValidateDomain(h.Domain); err != nil {
			return nil, fmt.Errorf("prometheus config: host %q: %w", h.Domain, err)
		}
		if seen[h.Domain] {
			return nil, fmt.Errorf("prometheus config: host %q given twice: give each host once", h.Domain)
		}
		seen[h.Domain] = true
		s := scrapeHost{Domain: h.Domain, Address: h.Address, TextfileAddress: h.TextfileAddress, CredentialsFile: h.CredentialsFile}
		if s.Address == "" {
			s.Address = net.JoinHostPort(h.Domain, strconv.Itoa(orDefault(h.HTTPSPort, 443)))
		}
		if host, _, err := net.SplitHostPort(s.Address); err != nil {
			return nil, fmt.Errorf("prometheus config: host %s: address %q is not host:port", h.Domain, s.Address)
		} else if host != h.Domain {
			s.ServerName = h.Domain
		}
		if s.TextfileAddress == "" {
			s.TextfileAddress = net.JoinHostPort(h.Domain, strconv.Itoa(NodeExporterPort))
		}
		if s.CredentialsFile == "" {
			s.CredentialsFile = PrometheusCredentialsFile(h.Domain)
		}
		data = append(data, s)
	}
	rules := opt.RulesFile
	if rules == "" {
		rules = PrometheusRulesPath
	}
	interval := opt.ScrapeInterval
	if interval == "" {
		interval = "15s"
	}
	return execute("prometheus.yml.tmpl", map[string]any{
		"Hosts": data, "CAFile": opt.CAFile, "RulesFile": rules, "Interval": interval,
		"TextfileDir": TextfileDir, "TextfileName": TextfileName,
	})
}

// PrometheusCredentialsFile is the default token file of domain on the
// Prometheus server.
func PrometheusCredentialsFile(domain string) string {
	return path.Join(PrometheusCredentialsDir, domain+".token")
}

// RenderPrometheusRules returns the alert rules: a check failing for 5
// minutes, the certificate expiring within 14 days, the checks not swept
// for 5 minutes, the webhook backlog growing, KumoProxy connections
// failing, and a scrape down.
func RenderPrometheusRules() ([]byte, error) {
	return execute("kumoup.rules.yml.tmpl", map[string]any{})
}

// StatusTimerOptions place the exported checks.
type StatusTimerOptions struct {
	// Binary is kumoup's absolute path.
	Binary string
	// Output is the textfile (TextfileDir/TextfileName when empty).
	Output string
	// Root is --root for kumoup status ("" for the host).
	Root string
}

// RenderStatusTimer returns the systemd pair that writes the checks as
// metrics every minute: kumoup-status.service (oneshot `kumoup status
// --format prometheus --output FILE`, a failing check is not a failed
// unit) and kumoup-status.timer.
func RenderStatusTimer(l Layout, opt StatusTimerOptions) ([]File, error) {
	if !path.IsAbs(opt.Binary) {
		return nil, fmt.Errorf("status timer: kumoup's path %q is not absolute: give the installed binary's path", opt.Binary)
	}
	out := opt.Output
	if out == "" {
		out = path.Join(TextfileDir, TextfileName)
	}
	if !path.IsAbs(out) {
		return nil, fmt.Errorf("status timer: --output %q is not absolute: give the textfile collector's directory and a file name", out)
	}
	data := map[string]any{"Binary": opt.Binary, "Output": out, "Root": opt.Root, "Service": path.Base(StatusServicePath)}
	service, err := execute("kumoup-status.service.tmpl", data)
	if err != nil {
		return nil, err
	}
	timer, err := execute("kumoup-status.timer.tmpl", data)
	if err != nil {
		return nil, err
	}
	return inLayout(l, []File{
		{Name: "kumoup status service", Path: l.Path(StatusServicePath), Mode: 0o644, Content: service},
		{Name: "kumoup status timer", Path: l.Path(StatusTimerPath), Mode: 0o644, Content: timer},
	}), nil
}
