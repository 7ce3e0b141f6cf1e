package writer

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func TestReadHostAnswersReadsTheLayoutsAnswersByDefault(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	os.MkdirAll(filepath.Dir(l.AnswersFile()), 0o755)
	if err := os.WriteFile(l.AnswersFile(), []byte("proxy_host: 10.0.0.5\nfirewall:\n  mta_addresses: [10.0.0.4]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d, source, err := ReadHostAnswers("", l)
	if err != nil {
		t.Fatal(err)
	}
	if source != l.AnswersFile() || d.ProxyHost != "10.0.0.5" || len(d.Firewall.MTAAddresses) != 1 {
		t.Fatalf("ReadHostAnswers = %+v from %s", d, source)
	}
	if want := (model.Deployment{}).WithDefaults().ProxyPort; d.ProxyPort != want || want == 0 {
		t.Fatalf("defaults not applied: proxy_port %d", d.ProxyPort)
	}
}

func TestReadHostAnswersPrefersTheFileGiven(t *testing.T) {
	p := filepath.Join(t.TempDir(), "proxy-answers.yaml")
	os.WriteFile(p, []byte("proxy_host: 10.0.0.7\ninjection_token_file: tokens/inj\n"), 0o600)
	d, source, err := ReadHostAnswers(p, Layout{Root: t.TempDir()})
	if err != nil || source != p || d.ProxyHost != "10.0.0.7" {
		t.Fatalf("ReadHostAnswers = %+v from %s, %v", d, source, err)
	}
	if d.InjectionToken != "" {
		t.Fatalf("a host command read a token: %q", d.InjectionToken)
	}
}

func TestReadHostAnswersWithoutAnswersSaysToPassThem(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	_, _, err := ReadHostAnswers("", l)
	if err == nil || !strings.Contains(err.Error(), "no answers at "+l.AnswersFile()+": pass --answers FILE") {
		t.Fatalf("ReadHostAnswers = %v", err)
	}
	missing := filepath.Join(t.TempDir(), "missing.yaml")
	if _, _, err := ReadHostAnswers(missing, l); err == nil || strings.Contains(err.Error(), "no answers at") || !strings.Contains(err.Error(), missing) {
		t.Fatalf("ReadHostAnswers(%s) = %v; want the read error naming the file", missing, err)
	}
}

func TestReadHostAnswersRefusesUnknownKeysNamingTheFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "answers.yaml")
	os.WriteFile(p, []byte("proxy_hots: 10.0.0.5\n"), 0o600)
	if _, _, err := ReadHostAnswers(p, Layout{}); err == nil || !strings.HasPrefix(err.Error(), p+": ") || !strings.Contains(err.Error(), "proxy_hots") {
		t.Fatalf("ReadHostAnswers = %v", err)
	}
}
