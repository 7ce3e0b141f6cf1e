package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newFirewallCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "firewall",
		Short:  "not implemented yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return failure(errors.New("firewall is not implemented yet"))
		},
	}
}
