package loopbacktest

import (
	"context"
	"testing"

	"github.com/kumoup/kumoup/internal/loopback"
)

// NeedNginx skips t under -short and fails it when no nginx is installed,
// with the apt-get command that installs it.
func NeedNginx(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real nginx; skipped with -short")
	}
	if _, err := loopback.FindNginx(""); err != nil {
		t.Fatalf("%v (this test runs the real nginx)", err)
	}
}

// Start starts a site for t (in t.TempDir() when cfg.Dir is empty) and
// stops it when t ends, failing t if Start or Stop fails. Call NeedNginx
// first.
func Start(t testing.TB, cfg loopback.Config) *loopback.Site {
	t.Helper()
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	s, err := loopback.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start nginx with the rendered site: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop the loopback site: %v", err)
		}
	})
	return s
}
