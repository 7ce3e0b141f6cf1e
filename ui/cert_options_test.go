package ui

import (
	"testing"

	"github.com/kumoup/kumoup/probes"
)

// TestCertStepTakesTheOperatorsACMEOptions: kumoup setup's --server,
// --staging, --behind-nat and --resolver reach the certificate step's run.
func TestCertStepTakesTheOperatorsACMEOptions(t *testing.T) {
	m := atNextSteps(t, true, nil)
	m.opt.Cert = CertOptions{Server: "https://127.0.0.1:14000/dir", Staging: true, BehindNAT: true}
	m.opt.Target = &probes.Target{Resolver: "127.0.0.1:5353"}
	cfg := m.certConfig()
	if cfg.Server != "https://127.0.0.1:14000/dir" || !cfg.Staging || !cfg.BehindNAT {
		t.Errorf("server %q staging %v behind NAT %v, want the options given", cfg.Server, cfg.Staging, cfg.BehindNAT)
	}
	if cfg.Target == nil || cfg.Target.Resolver != "127.0.0.1:5353" || cfg.Target.Deployment.Domain != m.deployment.Domain {
		t.Errorf("target %+v, want the resolver given and the deployment written", cfg.Target)
	}
	m.opt.Cert, m.opt.Target = CertOptions{}, nil
	if cfg := m.certConfig(); cfg.Server != "" || cfg.Staging || cfg.BehindNAT || cfg.Target.Resolver != "" {
		t.Errorf("without options: %+v, want Let's Encrypt and the system's resolver", cfg)
	}
}
