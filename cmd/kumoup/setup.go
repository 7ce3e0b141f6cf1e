package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newSetupCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "setup",
		Short:  "not implemented yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return failure(errors.New("setup is not implemented yet"))
		},
	}
}

func runDefault(cmd *cobra.Command, args []string) error {
	return failure(errors.New("the terminal UI is not implemented yet"))
}
