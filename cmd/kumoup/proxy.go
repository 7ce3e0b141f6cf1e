package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newProxyCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "proxy",
		Short:  "not implemented yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return failure(errors.New("proxy is not implemented yet"))
		},
	}
}
