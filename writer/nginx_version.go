package writer

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"time"

	"github.com/kumoup/kumoup/internal/capbuf"
)

// NginxVersion is an nginx release, as `nginx -v` prints it. The zero value
// stands for "not known": the site is then rendered in the form every
// supported release accepts.
type NginxVersion struct{ Major, Minor, Patch int }

// HTTP2DirectiveSince is the first nginx with the `http2 on;` directive;
// from it on, `listen ... http2` is deprecated (nginx -t warns).
var HTTP2DirectiveSince = NginxVersion{1, 25, 1}

// NginxTimeout bounds `nginx -v`.
const NginxTimeout = 10 * time.Second

var nginxVersionRE = regexp.MustCompile(`nginx/(\d+)\.(\d+)\.(\d+)`)

// ParseNginxVersion reads the version from what `nginx -v` prints
// ("nginx version: nginx/1.22.1", possibly with a distribution suffix).
func ParseNginxVersion(s string) (NginxVersion, error) {
	m := nginxVersionRE.FindStringSubmatch(s)
	if m == nil {
		return NginxVersion{}, fmt.Errorf("no nginx/X.Y.Z version in %q", cut(s, 80))
	}
	var v [3]int
	for i := range v {
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return NginxVersion{}, fmt.Errorf("nginx version %q: %w", m[0], err)
		}
		v[i] = n
	}
	return NginxVersion{v[0], v[1], v[2]}, nil
}

// String is the version as nginx writes it, or "unknown".
func (v NginxVersion) String() string {
	if v == (NginxVersion{}) {
		return "unknown"
	}
	return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
}

// AtLeast reports whether v is o or later.
func (v NginxVersion) AtLeast(o NginxVersion) bool {
	if v.Major != o.Major {
		return v.Major > o.Major
	}
	if v.Minor != o.Minor {
		return v.Minor > o.Minor
	}
	return v.Patch >= o.Patch
}

// HTTP2Directive reports whether the site enables HTTP/2 with `http2 on;`
// rather than the `listen ... http2` parameter (deprecated since 1.25.1).
// An unknown version keeps the listen parameter, which every release from
// 1.9.5 accepts.
func (v NginxVersion) HTTP2Directive() bool {
	return v != (NginxVersion{}) && v.AtLeast(HTTP2DirectiveSince)
}

// DetectNginx asks the nginx on PATH (the one the service runs) its
// version: see NginxVersionOf.
func DetectNginx(ctx context.Context) (NginxVersion, error) {
	bin, err := exec.LookPath("nginx")
	if err != nil {
		return NginxVersion{}, fmt.Errorf("nginx -v: %w", err)
	}
	return NginxVersionOf(ctx, bin)
}

// NginxVersionOf runs `bin -v` and parses its answer (nginx prints its
// version on stderr).
func NginxVersionOf(ctx context.Context, bin string) (NginxVersion, error) {
	ctx, cancel := context.WithTimeout(ctx, NginxTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-v")
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	out := capbuf.New(4096)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		return NginxVersion{}, fmt.Errorf("%s -v: %w", bin, err)
	}
	return ParseNginxVersion(out.String())
}

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
