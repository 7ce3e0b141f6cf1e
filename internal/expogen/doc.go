// Package expogen generates KumoMTA-shaped Prometheus text expositions for
// tests, benchmarks and the demo.
//
// Generate builds one static exposition of a requested size (50k or 500k
// series for the benchmarks), shaped like kumod's /metrics: per ready queue
// service labels such as `smtp_client:ip-1->gmail.com@smtp_client`, per
// scheduled queue and per provider series, histograms, HELP and TYPE lines.
//
// Sim is a small deterministic kumod whose successive scrapes evolve the way a
// busy MTA's do: counters grow at plausible rates, queues fill and drain, a
// counter restarts now and then, and per-queue series are pruned and come
// back from zero. Its Truth records what a correct rate computation must find.
package expogen
