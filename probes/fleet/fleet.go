package fleet

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	promapi "github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/probes/checkmetrics"
)

// Host is one MTA host as Prometheus knows it. A NaN figure is unknown
// (no series).
type Host struct {
	// Instance is the host's instance label (its name).
	Instance string
	// Failing and Warning are the IDs of the checks failing and warning,
	// sorted.
	Failing, Warning []string
	// Checks is how many checks the host exports.
	Checks int
	// KumodUp and ChecksUp are the kumomta and kumoup scrapes' up; a
	// scrape Prometheus does not have is Missing.
	KumodUp, ChecksUp Scrape
	// CertificateDays is the days left on the served certificate.
	CertificateDays float64
	// Delivered and Transfail are messages per second (smtp_client).
	Delivered, Transfail float64
	// Backlog is the webhook events waiting (log_hook_backlog_count).
	Backlog float64
	// SweepAge is how old the last sweep of the checks is; negative when
	// unknown.
	SweepAge time.Duration
}

// Scrape is the state of one of a host's scrapes.
type Scrape int

// Scrape states.
const (
	Missing Scrape = iota
	Up
	Down
)

// Thresholds of the severity.
const (
	CertificateFailDays = 7
	CertificateWarnDays = 14
	StaleSweep          = 5 * time.Minute
)

// Severity is the host's overall state: fail when a check fails, a scrape
// is down or the certificate has under CertificateFailDays left; warn
// when a check warns, a scrape is missing, the certificate has under
// CertificateWarnDays or the sweep is stale; else pass.
func (h Host) Severity() probes.Status {
	switch {
	case len(h.Failing) > 0, h.KumodUp == Down, h.ChecksUp == Down, h.CertificateDays < CertificateFailDays:
		return probes.StatusFail
	case len(h.Warning) > 0, h.KumodUp == Missing, h.ChecksUp == Missing, h.CertificateDays < CertificateWarnDays,
		h.SweepAge < 0, h.SweepAge > StaleSweep:
		return probes.StatusWarn
	}
	return probes.StatusPass
}

// Snapshot is every host at one moment.
type Snapshot struct {
	Hosts []Host
	At    time.Time
}

// Client asks one Prometheus.
type Client struct {
	api v1.API
	// Window is the range of the rate() queries (2m by default: at
	// least two scrapes at Prometheus's default 15 s, with room).
	Window time.Duration
}

// New returns a client of the Prometheus at url (http://prom:9090).
// rt is the transport (nil: Go's default).
func New(url string, rt http.RoundTripper) (*Client, error) {
	c, err := promapi.NewClient(promapi.Config{Address: url, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("--prometheus %q: %w: give Prometheus's base URL, e.g. http://prometheus.example.com:9090", url, err)
	}
	return &Client{api: v1.NewAPI(c), Window: 2 * time.Minute}, nil
}

// Queries, by figure. Every one keeps the instance label.
func (c *Client) queries() map[string]string {
	w := model.Duration(c.Window).String()
	return map[string]string{
		"up":        `up{job=~"kumomta|kumoup"}`,
		"checks":    checkmetrics.CheckStatus,
		"cert":      `min by (instance) (` + checkmetrics.CertificateExpiry + `) - time()`,
		"sweep":     `time() - max by (instance) (` + checkmetrics.LastSweep + `)`,
		"delivered": `sum by (instance) (rate(total_messages_delivered{job="kumomta",service="smtp_client"}[` + w + `]))`,
		"transfail": `sum by (instance) (rate(total_messages_transfail{job="kumomta",service="smtp_client"}[` + w + `]))`,
		"backlog":   `sum by (instance) (log_hook_backlog_count{job="kumomta"})`,
	}
}

// Fetch asks Prometheus for every figure (one instant query each) and
// returns the hosts, worst first.
func (c *Client) Fetch(ctx context.Context) (Snapshot, error) {
	now := time.Now()
	hosts := map[string]*Host{}
	host := func(inst string) *Host {
		h, ok := hosts[inst]
		if !ok {
			nan := math.NaN()
			h = &Host{Instance: inst, CertificateDays: nan, Delivered: nan, Transfail: nan, Backlog: nan, SweepAge: -1}
			hosts[inst] = h
		}
		return h
	}
	for name, q := range c.queries() {
		v, _, _, err := c.api.Query(ctx, q, now)
		if err != nil {
			return Snapshot{}, fmt.Errorf("ask Prometheus %s: %w", q, err)
		}
		vec, ok := v.(model.Vector)
		if !ok {
			return Snapshot{}, fmt.Errorf("ask Prometheus %s: a %s, not a vector", q, v.Type())
		}
		for _, s := range vec {
			inst := string(s.Metric[model.InstanceLabel])
			if inst == "" {
				continue
			}
			h, val := host(inst), float64(s.Value)
			switch name {
			case "up":
				st := Down
				if val == 1 {
					st = Up
				}
				if s.Metric[model.JobLabel] == "kumomta" {
					h.KumodUp = st
				} else {
					h.ChecksUp = st
				}
			case "checks":
				h.Checks++
				id := string(s.Metric["check"])
				switch checkmetrics.StatusOf(val) {
				case probes.StatusFail:
					h.Failing = append(h.Failing, id)
				case probes.StatusWarn:
					h.Warning = append(h.Warning, id)
				}
			case "cert":
				h.CertificateDays = val / 86400
			case "sweep":
				h.SweepAge = time.Duration(val * float64(time.Second))
			case "delivered":
				h.Delivered = val
			case "transfail":
				h.Transfail = val
			case "backlog":
				h.Backlog = val
			}
		}
	}
	snap := Snapshot{At: now}
	for _, h := range hosts {
		slices.Sort(h.Failing)
		slices.Sort(h.Warning)
		snap.Hosts = append(snap.Hosts, *h)
	}
	Sort(snap.Hosts)
	return snap, nil
}

// Sort orders hosts worst first: by severity (fail, warn, pass), then
// more failing checks, then fewer certificate days, then by name.
func Sort(hosts []Host) {
	rank := map[probes.Status]int{probes.StatusFail: 0, probes.StatusWarn: 1, probes.StatusPass: 2, probes.StatusSkip: 3}
	days := func(h Host) float64 {
		if math.IsNaN(h.CertificateDays) {
			return math.Inf(1)
		}
		return h.CertificateDays
	}
	slices.SortStableFunc(hosts, func(a, b Host) int {
		return cmp.Or(
			cmp.Compare(rank[a.Severity()], rank[b.Severity()]),
			cmp.Compare(len(b.Failing), len(a.Failing)),
			cmp.Compare(len(b.Warning), len(a.Warning)),
			cmp.Compare(days(a), days(b)),
			cmp.Compare(a.Instance, b.Instance),
		)
	})
}
