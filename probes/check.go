package probes

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Check is one verification: a stable ID ("edge.inject.unauthenticated"),
// a title, and the function that runs it.
type Check struct {
	ID    string
	Title string
	Run   func(ctx context.Context, t *Target) Result
	// Needs lists the checks (IDs) whose failure makes this one
	// meaningless: [Run] runs it after them, and when one of them failed
	// (or was itself blocked) it reports skip with BlockedBy naming the
	// root cause instead of failing for the same fault. An ID that is not
	// among the checks being run is ignored.
	Needs []string
}

// Catalogue returns every check in its fixed order: edge, tls, host,
// network, dns, then the optional reverse SMTP proxy (which skips unless
// smtp_proxy is enabled).
func Catalogue() []Check {
	return slices.Concat(bootstrapChecks, edgeChecks, tlsChecks, hostChecks, renewalChecks, networkChecks, dnsChecks, []Check{SMTPProxyCheck()})
}

// familyPrefixes names the families whose IDs do not start with the
// family's own name.
var familyPrefixes = map[string][]string{"network": {"proxy", "webhook"}}

// Select filters checks: only the IDs in only (all when empty), minus the
// IDs in ignore. An ID ending in ".*" or a family name ("edge") selects a
// whole family. Unknown IDs are an error naming them.
func Select(checks []Check, only, ignore []string) ([]Check, error) {
	match := func(pat, id string) bool {
		pat = strings.TrimSuffix(pat, ".*")
		for _, p := range familyPrefixes[pat] {
			if strings.HasPrefix(id, p+".") {
				return true
			}
		}
		return id == pat || strings.HasPrefix(id, pat+".")
	}
	for _, pat := range slices.Concat(only, ignore) {
		if !slices.ContainsFunc(checks, func(c Check) bool { return match(pat, c.ID) }) {
			return nil, fmt.Errorf("unknown check %q: see `kumoup status --list` for the IDs", pat)
		}
	}
	var out []Check
	for _, c := range checks {
		if len(only) > 0 && !slices.ContainsFunc(only, func(p string) bool { return match(p, c.ID) }) {
			continue
		}
		if slices.ContainsFunc(ignore, func(p string) bool { return match(p, c.ID) }) {
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// DefaultTimeout is each check's own time limit.
const DefaultTimeout = 5 * time.Second

// Run runs checks concurrently, each under its own timeout (t.Timeout, or
// DefaultTimeout) within ctx's deadline, and returns their results in the
// order given. A check that overruns is reported as failed by timeout
// without waiting for it; a panicking check is reported, not fatal. The
// target's tokens are masked in every result (see Redact), whoever prints
// them. Work several checks need (the TLS handshake for the certificate,
// nginx -T, the site file) is done once per Run, failures included, and
// again by the next Run.
func Run(ctx context.Context, t *Target, checks []Check) []Result {
	return runMasked(ctx, t, checks, newSweep())
}

// runMasked is runSweep with the target's tokens masked in every result.
func runMasked(ctx context.Context, t *Target, checks []Check, s *sweep) []Result {
	return Redact(runSweep(ctx, t, checks, s), t.Deployment.InjectionToken, t.Deployment.WebhookToken)
}

// runUnmasked is Run without the final Redact: the tests use it to prove
// that the checks themselves never put a token in a result.
func runUnmasked(ctx context.Context, t *Target, checks []Check) []Result {
	return runSweep(ctx, t, checks, newSweep())
}

// runSweep is runUnmasked with the checks sharing s's work (the TLS
// handshake, nginx -T, the site file: see sweep); a nil s makes every
// check do its own, as before there was a sweep (the benchmark's
// baseline). A check with Needs waits for those checks (when they are run
// too) and is not run when one of them failed (see blocked).
func runSweep(ctx context.Context, t *Target, checks []Check, s *sweep) []Result {
	t = t.inSweep(s)
	checks = awaitCertificate(t, checks)
	timeout := t.checkTimeout()
	index := make(map[string]int, len(checks))
	for i, c := range checks {
		index[c.ID] = i
	}
	results := make([]Result, len(checks))
	done := make([]chan struct{}, len(checks))
	for i := range done {
		done[i] = make(chan struct{})
	}
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			defer close(done[i])
			// Preconditions first, in order: the closed channel publishes
			// the result; the first that failed blocks this check.
			for _, need := range c.Needs {
				j, ok := index[need]
				if !ok || j == i {
					continue
				}
				<-done[j]
				if r := results[j]; r.Status == StatusFail || r.BlockedBy != "" {
					results[i] = blocked(c, r)
					return
				}
			}
			results[i] = runOne(ctx, t, c, timeout)
		})
	}
	wg.Wait()
	return results
}

// blocked is the Result of check c when its precondition cause failed (or
// was itself blocked): skip, BlockedBy the root cause's ID, the detail
// "not run: <cause> failed".
func blocked(c Check, cause Result) Result {
	root := cause.ID
	if cause.BlockedBy != "" {
		root = cause.BlockedBy
	}
	r := blockedBy(root, "not run: %s failed", root)
	r.ID, r.Title = c.ID, c.Title
	return r
}

// blockedByTLS is the Result of a check that needs verified TLS (it sends
// the token) when the handshake did not verify: skip, blocked by the tls
// check that judges that fault (name, expiry or chain).
func blockedByTLS(err error) Result {
	id := tlsCheckFor(err)
	return blockedBy(id, "not run: the certificate does not verify (%v), and the token is only sent over verified TLS: see %s", err, id)
}

// blockedBy is a skip blocked by the check root, the detail formatted,
// the remedy to fix root first.
func blockedBy(root, format string, args ...any) Result {
	r := Skip(format, args...)
	r.BlockedBy = root
	r.Remedy = "fix " + root + " first; this check then runs again"
	return r
}

// checkMargin is how much earlier than its timeout a check's own context
// ends: a check that honours its context then reports what it asked and
// what (not) came back, in its own words, before Run stops waiting.
func checkMargin(timeout time.Duration) time.Duration {
	return min(timeout/10, 250*time.Millisecond)
}

func runOne(ctx context.Context, t *Target, c Check, timeout time.Duration) Result {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	checkCtx, checkCancel := context.WithTimeout(ctx, timeout-checkMargin(timeout))
	defer checkCancel()
	start := time.Now()
	done := make(chan Result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- Fail("report this as a kumoup bug", "the check crashed: %v", p)
			}
		}()
		done <- c.Run(checkCtx, t)
	}()
	var r Result
	select {
	case r = <-done:
	case <-ctx.Done():
		r = Fail("check that the target answers; raise --timeout if it is just slow", "no answer within %s", timeout)
		if ctx.Err() == context.Canceled {
			r = Skip("cancelled")
		}
	}
	r.ID, r.Title, r.Duration = c.ID, c.Title, time.Since(start)
	return r
}
