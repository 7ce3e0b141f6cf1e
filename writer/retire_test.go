package writer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kumoup/kumoup/model"
)

func applyPlanFor(t *testing.T, d model.Deployment, l Layout) (*Plan, *Report) {
	t.Helper()
	p, err := PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	r, err := p.Apply(context.Background(), ApplyOptions{Now: fixedNow})
	if err != nil {
		t.Fatal(err)
	}
	return p, r
}

func withDomain(d model.Deployment, domain string) model.Deployment {
	d.Domain, d.TLSCertificate, d.TLSCertificateKey = domain, "", ""
	return d.WithDefaults()
}

func TestApplyRetiresThePreviousDomainsSiteAndTokenInclude(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	d1 := testDeployment()
	applyPlanFor(t, d1, l)
	foreign := filepath.Join(filepath.Dir(l.SiteFile(d1.Domain)), "other.example.org.conf")
	if err := os.WriteFile(foreign, []byte("# not kumoup's\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	d2 := withDomain(d1, "mta2.example.com")
	p, r := applyPlanFor(t, d2, l)
	var retired []string
	answersAt := -1
	for i, c := range p.Changes {
		if c.Action == Retire {
			retired = append(retired, c.File.Path)
			if answersAt >= 0 {
				t.Errorf("%s is retired after kumoup.yaml is rewritten: a run killed between would forget the old domain", c.File.Path)
			}
		}
		if c.File.Path == l.AnswersFile() {
			answersAt = i
		}
	}
	if want := []string{l.SiteFile(d1.Domain), l.TokenFile(d1.Domain)}; strings.Join(retired, " ") != strings.Join(want, " ") {
		t.Fatalf("retired %v, want %v", retired, want)
	}
	if !strings.Contains(p.Summary(), "2 to retire") {
		t.Errorf("summary %q does not count the retired files", p.Summary())
	}
	var out strings.Builder
	r.Render(&out)
	if !strings.Contains(out.String(), "retired   "+l.SiteFile(d1.Domain)) {
		t.Errorf("report does not say the old site was retired:\n%s", out.String())
	}

	confs, _ := filepath.Glob(filepath.Join(filepath.Dir(l.SiteFile(d1.Domain)), "*.conf"))
	if strings.Join(confs, " ") != strings.Join([]string{l.SiteFile(d2.Domain), foreign}, " ") {
		t.Errorf("nginx would load %v, want only the new site and the file kumoup did not write", confs)
	}
	backup := BackupName(l.TokenFile(d1.Domain), fixedNow())
	mustMode(t, backup, 0o600)
	if !strings.Contains(string(readFile(t, backup)), testInjection) {
		t.Error("the retired token include was not kept as its backup")
	}
	mustMode(t, BackupName(l.SiteFile(d1.Domain), fixedNow()), BackupMode) // every backup is 0600 root:root

	again, err := PlanFor(d2, l)
	if err != nil {
		t.Fatal(err)
	}
	if again.Changed() != 0 {
		t.Errorf("re-run after the domain change plans %s", again.Summary())
	}
}

// TestPlanForTheSameDomainRetiresNothing: only the domain kumoup.yaml
// names is retired, and only when it changes; a site file kumoup did not
// record is never touched.
func TestPlanForTheSameDomainRetiresNothing(t *testing.T) {
	l := Layout{Root: t.TempDir()}
	d := testDeployment()
	applyPlanFor(t, d, l)
	stray := l.SiteFile("mta2.example.com")
	if err := os.WriteFile(stray, []byte("# hand-made\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := PlanFor(d, l)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range p.Changes {
		if c.Action == Retire {
			t.Errorf("retires %s with the domain unchanged", c.File.Path)
		}
	}
	if p.Changed() != 0 {
		t.Errorf("plans %s, want 0 changed", p.Summary())
	}
}
