// Package promtest runs Debian's real Prometheus and node_exporter on
// loopback for tests: each on a free 127.0.0.1 port, with its own
// configuration, storage and textfile directory under a directory of the
// test's, stopped by its own process handle (never by name).
//
//	ne, err := promtest.StartNodeExporter(ctx, textfileDir)
//	p, err := promtest.StartPrometheus(ctx, dir, configYAML)
//	v, err := p.WaitFor(ctx, `up{job="kumomta"} == 1`, 1)
//
// [StartFleet] builds the whole picture the fleet view reads: several
// loopback MTA hosts (real nginx and the stand-in kumod, one CA), kumoup's
// checks exported for each through its own node_exporter, and one
// Prometheus scraping them all with the configuration kumoup renders.
package promtest
