package writer

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func TestFirewallSessionWritesThenLoadsOnlyWhatTheGuardAllows(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	d := testDeployment()
	var loaded []string
	guardErr := error(nil)
	a := FirewallActions{
		UFWActive: func(context.Context) (bool, error) { return false, nil },
		Guard:     func(model.Deployment) error { return guardErr },
		Load: func(_ context.Context, path string) ([]byte, error) {
			loaded = append(loaded, path)
			return []byte("loaded"), nil
		},
	}
	s, err := PrepareFirewall(context.Background(), d, HostMTA, l, a, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.UFW || s.GuardErr != nil || s.File.Path != l.Path(Layout{}.FirewallFile(HostMTA)) {
		t.Fatalf("prepared: ufw %v guard %v path %s", s.UFW, s.GuardErr, s.File.Path)
	}

	guardErr = errors.New("nothing listens on the SSH port")
	if _, err := s.Load(context.Background(), ApplyOptions{SkipChown: !CanChown()}); err == nil || len(loaded) != 0 {
		t.Fatalf("the guard refused, yet Load returned %v and loaded %v", err, loaded)
	}
	if _, err := os.Stat(s.File.Path); err == nil {
		t.Fatal("the rules file was written although the guard refused")
	}

	guardErr = nil
	out, err := s.Load(context.Background(), ApplyOptions{SkipChown: !CanChown()})
	if err != nil || string(out) != "loaded" || len(loaded) != 1 || loaded[0] != s.File.Path {
		t.Fatalf("Load: %q %v, loaded %v", out, err, loaded)
	}
	if b, err := os.ReadFile(s.File.Path); err != nil || string(b) != string(s.File.Content) {
		t.Fatalf("the rules file on disk is not the session's: %v", err)
	}
}

func TestFirewallSessionWithUFWActiveGivesItsCommands(t *testing.T) {
	a := FirewallActions{UFWActive: func(context.Context) (bool, error) { return true, nil }}
	s, err := PrepareFirewall(context.Background(), testDeployment(), HostMTA, Layout{Root: t.TempDir()}, a, false)
	if err != nil {
		t.Fatal(err)
	}
	if !s.UFW || s.UFWErr != nil || len(s.UFWCommands) == 0 {
		t.Fatalf("ufw active: %v %v %d commands", s.UFW, s.UFWErr, len(s.UFWCommands))
	}
}
