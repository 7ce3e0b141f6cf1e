package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/acme"
	"github.com/kumoup/kumoup/probes"
	"github.com/kumoup/kumoup/writer"
)

// certOptions are the flags of `kumoup cert`.
type certOptions struct {
	root      string
	staging   bool
	server    string
	email     string
	behindNAT bool
	resolver  string
}

func newCertCmd() *cobra.Command {
	var opt certOptions
	cmd := &cobra.Command{
		Use:   "cert",
		Short: "Get the site's certificate and renew it",
		Long: `cert finishes a fresh host: while the certificate is missing, kumoup
writes the nginx site HTTP only (port 80: the ACME challenges and the
redirect), which nginx accepts. cert then

  1. writes that site and reloads nginx;
  2. checks what Let's Encrypt will check, before asking it (failed
     validations count against its rate limits): the name resolves to this
     host (--behind-nat when its address forwards here), and port 80
     serves a random probe file from the ACME webroot through the name;
  3. runs Debian's certbot: certonly --webroot, with acme_email from the
     answers or --email (without one, Let's Encrypt cannot warn you);
  4. writes the deploy hook that reloads nginx after each renewal (0755,
     /etc/letsencrypt/renewal-hooks/deploy/kumoup-reload-nginx);
  5. writes the full site and reloads nginx.

On a failure the cause and the fix are given in plain words, and the
HTTP-only site stays in place. When the certificate already exists only
step 5 runs. A certificate from your own CA is never replaced: cert only
works with certbot's paths.

Exit status: 0 the certificate is in place, 1 it could not be obtained,
2 bad usage or no deployment found.`,
		Example: `  sudo kumoup cert
  sudo kumoup cert --staging --email ops@example.com
  sudo kumoup cert --behind-nat`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCert(cmd, opt) },
	}
	f := cmd.Flags()
	f.StringVar(&opt.root, "root", "", "the deployment's files are under DIR instead of / (nginx is then not reloaded)")
	f.BoolVar(&opt.staging, "staging", false, "use Let's Encrypt's staging server (untrusted certificates, generous rate limits): for trying")
	f.StringVar(&opt.server, "server", "", "ACME directory URL (default: Let's Encrypt)")
	f.StringVar(&opt.email, "email", "", "account e-mail for expiry warnings (default: acme_email from the answers)")
	f.BoolVar(&opt.behindNAT, "behind-nat", false, "the name's address is not on this host but forwards port 80 to it")
	f.StringVar(&opt.resolver, "resolver", "", "ask this DNS server, IP:PORT, in the pre-check (default: the system's)")
	return cmd
}

// checkCertFlags checks the certificate flags kumoup cert and kumoup
// setup share: the ACME server (--staging, --server) and --resolver.
func checkCertFlags(staging bool, server, resolver string) error {
	if err := acme.CheckServerFlags(staging, server); err != nil {
		return err
	}
	return probes.ValidateResolver(resolver)
}

func runCert(cmd *cobra.Command, opt certOptions) error {
	out, errw := cmd.OutOrStdout(), cmd.ErrOrStderr()
	// Refused before anything is written: the step serves the HTTP-only
	// site and reloads nginx before it asks DNS.
	if err := checkCertFlags(opt.staging, opt.server, opt.resolver); err != nil {
		return usageError(err)
	}
	layout, err := writer.LayoutAt(opt.root)
	if err != nil {
		return usageError(err)
	}
	if err := writer.RequireRoot(layout); err != nil {
		return usageError(err)
	}
	d, err := writer.Load(layout)
	if err != nil {
		return usageError(err)
	}
	if err := d.Validate().Err(); err != nil {
		return usageError(fmt.Errorf("%s: %w", layout.AnswersFile(), err))
	}
	if len(writer.CertificateMissing(d)) > 0 {
		if _, ok := writer.CertbotConfigDir(d); !ok {
			_, err := acme.NewRequest(d, layout)
			return usageError(err)
		}
	}
	target := &probes.Target{Deployment: d, Layout: layout, Resolver: opt.resolver, Timeout: probes.DefaultTimeout}
	cfg := acme.Config{
		Deployment: d,
		Layout:     layout,
		Apply:      acme.HostApply(layout, indentWriter{errw}),
		Target:     target,
		BehindNAT:  opt.behindNAT,
		Server:     opt.server,
		Staging:    opt.staging,
		Email:      opt.email,
		Progress:   certProgress(errw),
	}
	if cfg.Email == "" && d.ACMEEmail == "" && len(writer.CertificateMissing(d)) > 0 {
		fmt.Fprintln(errw, "warning: no acme_email: registering without an address, so Let's Encrypt cannot warn you before the certificate expires (add --email or acme_email to the answers)")
	}
	res, err := acme.Bootstrap(cmd.Context(), cfg)
	if err != nil {
		var f *acme.Failure
		if errors.As(err, &f) {
			fmt.Fprintf(errw, "\nThe certificate was not obtained: %s\nFix: %s\n", f.Cause, f.Fix)
			fmt.Fprintf(errw, "The site stays HTTP only (valid: nginx serves port 80). Run `%s` again once fixed.\n", writer.CertCommand(layout))
			return silentExit(exitFailure)
		}
		return failure(err)
	}
	if res.Already {
		fmt.Fprintf(out, "The certificate already exists (%s): the full site is in place.\n", res.Certificate)
		return nil
	}
	fmt.Fprintf(out, "Certificate obtained for %s\n  certificate  %s\n  key          %s\n  renewal      certbot's timer runs `certbot renew`; %s reloads nginx\n",
		d.Domain, res.Certificate, res.Key, res.Hook)
	fmt.Fprintf(out, "HTTPS is on: check it with `%s`\n", statusCommand(layout))
	return nil
}

func statusCommand(l writer.Layout) string {
	if l.IsHost() {
		return "sudo kumoup status"
	}
	return writer.Command(l, "status")
}

// certProgress prints each step and certbot's lines on w.
func certProgress(w io.Writer) func(acme.Event) {
	return func(e acme.Event) {
		switch {
		case e.Done && e.Err != nil:
			fmt.Fprintf(w, "✗ %s\n", e.Step)
		case e.Done:
			fmt.Fprintf(w, "✓ %s\n", e.Step)
		case e.Line != "":
			fmt.Fprintf(w, "    %s\n", e.Line)
		default:
			fmt.Fprintf(w, "… %s\n", e.Step)
		}
	}
}

// indentWriter indents what it is given under a step.
type indentWriter struct{ w io.Writer }

func (i indentWriter) Write(p []byte) (int, error) {
	s := strings.TrimRight(string(p), "\n")
	if s == "" {
		return len(p), nil
	}
	_, err := io.WriteString(i.w, "    "+strings.ReplaceAll(s, "\n", "\n    ")+"\n")
	return len(p), err
}

// printCertNext tells, after an apply that wrote the HTTP-only site, the
// one command that finishes.
func printCertNext(w io.Writer, plan *writer.Plan, l writer.Layout) {
	if !plan.HTTPOnly {
		return
	}
	fmt.Fprintf(w, "\nCertificate\n  The site is %s (missing: %s).\n  After `nginx -t && systemctl reload nginx`, obtain it: %s\n",
		writer.HTTPOnlyNote, strings.Join(plan.Missing, ", "), writer.CertCommand(l))
}
