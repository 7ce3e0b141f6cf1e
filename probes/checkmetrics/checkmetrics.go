package checkmetrics

import (
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"

	"github.com/kumoup/kumoup/probes"
)

// Metric names, for the alert rules and the fleet view's queries.
const (
	CheckStatus       = "kumoup_check_status"
	CheckDuration     = "kumoup_check_duration_seconds"
	CertificateExpiry = "kumoup_certificate_expiry_timestamp_seconds"
	LastSweep         = "kumoup_last_sweep_timestamp_seconds"
	SweepDuration     = "kumoup_last_sweep_duration_seconds"
	BuildInfo         = "kumoup_build_info"
)

// The values of kumoup_check_status.
const (
	ValuePass = 0
	ValueWarn = 1
	ValueFail = 2
	ValueSkip = -1
)

// Value is the kumoup_check_status value of a status.
func Value(s probes.Status) float64 {
	switch s {
	case probes.StatusPass:
		return ValuePass
	case probes.StatusWarn:
		return ValueWarn
	case probes.StatusFail:
		return ValueFail
	}
	return ValueSkip
}

// StatusOf is the status a kumoup_check_status value encodes (a value
// outside the encoding is a failure: the fleet view reads what Prometheus
// says and must not hide a broken exporter).
func StatusOf(v float64) probes.Status {
	switch v {
	case ValuePass:
		return probes.StatusPass
	case ValueWarn:
		return probes.StatusWarn
	case ValueSkip:
		return probes.StatusSkip
	}
	return probes.StatusFail
}

// Sweep is one run of the checks, as exported.
type Sweep struct {
	// Results are the checks' results (only ID, Status and Duration are
	// exported).
	Results []probes.Result
	// Finished is when the sweep ended; Elapsed how long it took.
	Finished time.Time
	Elapsed  time.Duration
	// Domain is the deployment's name, the label of the certificate's
	// expiry.
	Domain string
	// CertificateExpiry is when the first certificate of the served chain
	// expires; zero leaves the metric out (no certificate was read).
	CertificateExpiry time.Time
	// Version, Revision and GoVersion label kumoup_build_info; empty means
	// what the binary's build information says.
	Version, Revision, GoVersion string
}

// Area is the check ID up to its first dot: "edge" for "edge.hsts".
func Area(id string) string {
	area, _, _ := strings.Cut(id, ".")
	return area
}

// Registry returns a registry holding the sweep's metrics.
func Registry(s Sweep) (*prometheus.Registry, error) {
	reg := prometheus.NewRegistry()
	status := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: CheckStatus,
		Help: "Outcome of each kumoup check in the last sweep: 0 pass, 1 warn, 2 fail, -1 skip (could not run here).",
	}, []string{"check", "area"})
	duration := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: CheckDuration,
		Help: "How long each kumoup check took in the last sweep, in seconds.",
	}, []string{"check", "area"})
	last := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: LastSweep,
		Help: "When the last kumoup sweep ended, in seconds since the Unix epoch.",
	})
	elapsed := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: SweepDuration,
		Help: "How long the last kumoup sweep took, in seconds.",
	})
	version, revision, goversion := buildFacts(s.Version, s.Revision, s.GoVersion)
	build := prometheus.NewGauge(prometheus.GaugeOpts{
		Name:        BuildInfo,
		Help:        "The kumoup build that wrote these metrics; always 1.",
		ConstLabels: prometheus.Labels{"version": version, "revision": revision, "goversion": goversion},
	})
	collectors := []prometheus.Collector{status, duration, last, elapsed, build}
	for _, r := range s.Results {
		l := prometheus.Labels{"check": r.ID, "area": Area(r.ID)}
		status.With(l).Set(Value(r.Status))
		duration.With(l).Set(r.Duration.Seconds())
	}
	last.Set(float64(s.Finished.UnixMilli()) / 1000)
	elapsed.Set(s.Elapsed.Seconds())
	build.Set(1)
	if !s.CertificateExpiry.IsZero() {
		expiry := prometheus.NewGauge(prometheus.GaugeOpts{
			Name:        CertificateExpiry,
			Help:        "When the first certificate of the chain nginx serves for the domain expires, in seconds since the Unix epoch.",
			ConstLabels: prometheus.Labels{"domain": s.Domain},
		})
		expiry.Set(float64(s.CertificateExpiry.Unix()))
		collectors = append(collectors, expiry)
	}
	for _, c := range collectors {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("register the check metrics: %w", err)
		}
	}
	return reg, nil
}

// Write writes the sweep's metrics to w in the text exposition format.
func Write(w io.Writer, s Sweep) error {
	reg, err := Registry(s)
	if err != nil {
		return err
	}
	families, err := reg.Gather()
	if err != nil {
		return fmt.Errorf("gather the check metrics: %w", err)
	}
	enc := expfmt.NewEncoder(w, expfmt.NewFormat(expfmt.TypeTextPlain))
	for _, mf := range families {
		if err := enc.Encode(mf); err != nil {
			return fmt.Errorf("write the check metrics: %w", err)
		}
	}
	return nil
}

// buildFacts fills the build labels from the binary where not given.
func buildFacts(version, revision, goversion string) (string, string, string) {
	bi, ok := debug.ReadBuildInfo()
	if ok {
		if goversion == "" {
			goversion = bi.GoVersion
		}
		if version == "" {
			version = bi.Main.Version
		}
		for _, st := range bi.Settings {
			if st.Key == "vcs.revision" && revision == "" {
				revision = st.Value
			}
		}
	}
	if version == "" {
		version = "(devel)"
	}
	if revision == "" {
		revision = "unknown"
	}
	if goversion == "" {
		goversion = "unknown"
	}
	return version, revision, goversion
}
