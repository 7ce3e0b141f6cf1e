// Package metrics scrapes KumoMTA's Prometheus /metrics endpoint through the
// authenticated nginx front, parses the exposition and summarizes it for the
// dashboard.
//
// The parser of record is github.com/prometheus/common/expfmt (see Dump). The
// refresh path uses a fast line scanner that reads only the families the
// Summary needs and keeps per-series state in place between scrapes; a
// differential test and a fuzz target hold it to expfmt's values.
package metrics
