// Package metrics scrapes KumoMTA's Prometheus /metrics endpoint through the
// authenticated nginx front and summarizes it for the dashboard.
//
// A Scraper fetches the exposition (bearer token on the request, gzip,
// a deadline per scrape, redirects never followed, body capped after
// decompression) and classifies failures as a *ScrapeError whose Kind,
// Message and Remedy the UI shows. A Summarizer turns successive expositions
// into a Summary: kcli top's figures and this deployment's own (webhook
// back pressure, proxy failures, suspended sources, disk space, top queues
// and providers), each with a short history for sparklines. Refresh does
// both:
//
//	s, _ := metrics.NewScraper(metrics.Config{URL: u, Token: tok, RootCAs: pool})
//	z := metrics.NewSummarizer()
//	sum, err := s.Refresh(ctx, z) // every Config.Interval, one at a time
//
// Counters become rates with Prometheus's reset rule: a value below the
// previous one means the counter restarted, so the increase is the new value.
// A series absent from the previous scrape (kumod prunes idle queues and
// recreates them from zero) counts its whole value, so neither spikes nor
// negative rates appear.
//
// WriteText and WriteJSON print a Summary as kumoup metrics does, for
// people and for scripts.
//
// The parser of record is github.com/prometheus/common/expfmt: Dump prints
// its parse. The refresh path uses a line scanner that reads only the
// families the Summary needs and keeps counter state in place between
// scrapes, 20 to 40 times cheaper than expfmt from 50k to 2M series and
// allocation free in steady state. Refresh (and SummarizeFile) stream: the
// body is decompressed (gzip by klauspost/compress) and scanned through a
// 256 KiB window, never held whole, so memory does not grow with the
// exposition; per-queue series are read and forgotten, and what the
// Summarizer keeps grows only with the series it computes rates for. A differential test and a fuzz target hold it to
// expfmt's values and errors (the property is stated in
// differential_test.go); syntax it does not mirror (quoted UTF-8 names)
// makes the Summarizer parse that scrape with expfmt instead.
package metrics
