package main

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
	"github.com/kumoup/kumoup/writer"
)

func TestApplyOfAnswersSavedBySetupWritesTheFilesOfTheDeployment(t *testing.T) {
	d := model.Deployment{
		Domain:         "mta.example.com",
		InjectionToken: applyTestInjection,
		WebhookToken:   applyTestWebhook,
		WebhookURL:     "https://app.example.com/kumo/events",
		ProxyHost:      "10.0.0.5",
		ProxyPublicIP:  "8.8.4.4",
		HELO:           "mail.example.com",
	}.WithDefaults()
	dir := filepath.Join(t.TempDir(), "kumoup-answers")
	saved, err := writer.SaveAnswers(dir, d)
	if err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		// As on a host: the user saved them, root applies them.
		for _, p := range []string{dir, saved, filepath.Join(dir, writer.SavedInjectionTokenName), filepath.Join(dir, writer.SavedWebhookTokenName)} {
			if err := os.Chown(p, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}
	}

	root := t.TempDir()
	r := kumoup(t, "apply", "--answers", saved, "--root", root)
	if r.code != exitOK {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"read from " + filepath.Join(dir, writer.SavedInjectionTokenName), "read from " + filepath.Join(dir, writer.SavedWebhookTokenName)} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	noSecretIn(t, r, applyTestInjection, applyTestWebhook)

	l := writer.Layout{Root: root}
	// HTTP only: the certificate is missing here, as on a fresh host.
	want, err := writer.Render(d, writer.Options{Layout: l, HTTPOnly: len(writer.CertificateMissing(d)) > 0})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range want {
		got, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.Content) {
			t.Errorf("%s differs from the deployment's rendering", f.Path)
		}
	}
	back, err := writer.Load(l)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.WithDefaults(), d) {
		t.Fatalf("applied deployment reads back as\n%+v\nwant\n%+v", back, d)
	}
}

func TestProxyOfAnswersSavedByTheProxyWizardWritesTheHostsFiles(t *testing.T) {
	d := model.Deployment{
		ProxyHost: "10.0.0.5",
		Firewall:  model.Firewall{MTAAddresses: []string{"10.0.0.4"}, Resolvers: []string{"10.0.0.53"}},
	}.WithDefaults()
	saved, err := writer.SaveAnswers(filepath.Join(t.TempDir(), "kumoup-answers"), d)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	r := kumoup(t, "proxy", "--answers", saved, "--root", root)
	if r.code != exitOK {
		t.Fatalf("exit %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	l := writer.Layout{Root: root}
	want, err := writer.RenderProxyHost(d, l)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range want {
		got, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.Content) {
			t.Errorf("%s differs from the deployment's rendering", f.Path)
		}
	}
}
