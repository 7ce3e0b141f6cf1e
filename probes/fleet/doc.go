// Package fleet reads, from the operator's Prometheus (its HTTP API,
// through github.com/prometheus/client_golang/api), the state of every
// KumoMTA host it scrapes with the configuration `kumoup prometheus`
// renders: per host (the instance label) the checks failing and warning,
// the days left on the certificate, delivered and transient failures per
// second, the webhook backlog, the age of the last sweep of the checks and
// whether both scrapes are up. [Fetch] answers one [Snapshot], hosts
// sorted worst first; kumoup fleet shows it.
package fleet
