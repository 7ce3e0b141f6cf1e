package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newApplyCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "apply",
		Short:  "not implemented yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return failure(errors.New("apply is not implemented yet"))
		},
	}
}
