package model

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// KumoMTA versions are dated: `kumod --version` prints "kumod " and the
// build's tag, "YYYY.MM.DD-" and the commit's first eight hex digits
// (crates/version-info/build.rs at KumoCorp/kumomta 3ebc1e85; clap prints
// the binary name, a space, then the tag).
const (
	// MinKumoVersion is the oldest KumoMTA release everything kumoup
	// writes works with: start_http_listener's request_body_limit first
	// shipped in 2024.06.10.
	MinKumoVersion = "2024.06.10"
	// RequestBodyLimitSince is the release that added request_body_limit;
	// older kumod rejects the field (its params struct denies unknown
	// fields) and the listener does not start.
	RequestBodyLimitSince = "2024.06.10"
)

var kumodVersionRE = regexp.MustCompile(`^(?:kumod\s+)?((\d{4})\.(\d{2})\.(\d{2})(?:-[0-9A-Za-z.+-]+)?)$`)

// KumoVersion is an installed kumod's version.
type KumoVersion struct {
	// Tag is what kumod reports, e.g. "2024.06.10-84e84b89".
	Tag string
	// Year, Month and Day are the dated part.
	Year, Month, Day int
}

// ParseKumoVersion reads the output of `kumod --version` ("kumod
// 2024.06.10-84e84b89") or a bare dated version ("2024.06.10").
func ParseKumoVersion(s string) (KumoVersion, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	m := kumodVersionRE.FindStringSubmatch(s)
	if m == nil {
		return KumoVersion{}, fmt.Errorf("kumod version %q: expected \"kumod YYYY.MM.DD-commit\"", truncate(s, 80))
	}
	y, _ := strconv.Atoi(m[2])
	mo, _ := strconv.Atoi(m[3])
	d, _ := strconv.Atoi(m[4])
	if mo < 1 || mo > 12 || d < 1 || d > 31 {
		return KumoVersion{}, fmt.Errorf("kumod version %q: %s is not a date", m[1], m[1][:10])
	}
	return KumoVersion{Tag: m[1], Year: y, Month: mo, Day: d}, nil
}

// MustKumoVersion parses a constant version; it panics on a bad one.
func MustKumoVersion(s string) KumoVersion {
	v, err := ParseKumoVersion(s)
	if err != nil {
		panic(err)
	}
	return v
}

// IsZero reports an unknown version.
func (v KumoVersion) IsZero() bool { return v.Year == 0 }

// Date is the dated part, "YYYY.MM.DD".
func (v KumoVersion) Date() string { return fmt.Sprintf("%04d.%02d.%02d", v.Year, v.Month, v.Day) }

// String is the tag kumod reported.
func (v KumoVersion) String() string { return v.Tag }

// AtLeast reports whether v is the release min (a dated version) or newer.
func (v KumoVersion) AtLeast(min string) bool {
	m := MustKumoVersion(min)
	return v.Year*10000+v.Month*100+v.Day >= m.Year*10000+m.Month*100+m.Day
}

// HasRequestBodyLimit reports whether start_http_listener takes
// request_body_limit. An unknown version is taken as current.
func (v KumoVersion) HasRequestBodyLimit() bool {
	return v.IsZero() || v.AtLeast(RequestBodyLimitSince)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
