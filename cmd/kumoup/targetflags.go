package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/kumoup/kumoup/probes"
)

// bindTargetFlags binds, into o, the flags of every command that reaches
// the deployment (kumoup status, metrics, dashboard): --root, --ca-file,
// --connect-to, --insecure and --token-file, and for commands that run the
// checks (checks true) --resolver and --timeout too. o.Timeout starts at
// probes.DefaultTimeout.
func bindTargetFlags(cmd *cobra.Command, o *probes.TargetOptions, checks bool) {
	f := cmd.Flags()
	o.Timeout = probes.DefaultTimeout
	f.StringVar(&o.Root, "root", "", "read the deployment under DIR instead of /")
	f.StringVar(&o.CAFile, "ca-file", "", "trust the CA(s) in this PEM file instead of the system roots")
	f.StringArrayVar(&o.ConnectTo, "connect-to", nil, "connect to ADDR:PORT for HOST:PORT, given as HOST:PORT:ADDR:PORT like curl's (repeatable); TLS and Host keep HOST")
	insecure := "skip TLS verification (test setups only): the token is not sent"
	if checks {
		insecure = "skip TLS verification (test setups only): TLS checks warn, the token is not sent"
	}
	f.BoolVar(&o.Insecure, "insecure", false, insecure)
	f.StringVar(&o.TokenFile, "token-file", "", "file (mode 0600) holding the injection token alone on one line (default: the nginx token include)")
	if checks {
		f.StringVar(&o.Resolver, "resolver", "", "ask this DNS server, IP:PORT (default: the system's)")
		f.DurationVar(&o.Timeout, "timeout", probes.DefaultTimeout, "each check's own time limit (the whole sweep gets twice that)")
	}
}

// newTarget is probes.NewTarget for a command: warnings go to stderr, and
// every error is a usage error (exit 2).
func newTarget(stderr io.Writer, o probes.TargetOptions) (*probes.Target, error) {
	t, warnings, err := probes.NewTarget(o)
	if err != nil {
		return nil, usageError(err)
	}
	for _, w := range warnings {
		fmt.Fprintf(stderr, "warning: %s\n", w)
	}
	return t, nil
}
