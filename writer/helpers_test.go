package writer

import (
	"flag"
	"os"
	"testing"

	"github.com/kumoup/kumoup/model"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// Fixed test tokens: never real secrets.
const (
	testInjection = "inj_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	testWebhook   = "whk_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
)

func testDeployment() model.Deployment {
	return model.Deployment{
		Domain:         "mta.example.com",
		InjectionToken: testInjection,
		WebhookToken:   testWebhook,
		WebhookURL:     "https://app.example.com/kumo/events",
		ProxyHost:      "10.0.0.5",
		ProxyPublicIP:  "8.8.4.4",
		HELO:           "mail.example.com",
	}.WithDefaults()
}

func renderUnder(t *testing.T, root string, d model.Deployment) []File {
	t.Helper()
	files, err := Render(d, Options{Layout: Layout{Root: root}})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustMode(t *testing.T, p string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %04o, want %04o", p, got, want)
	}
}
