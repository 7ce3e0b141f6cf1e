package main

import (
	"errors"

	"github.com/spf13/cobra"
)

func newMetricsCmd() *cobra.Command {
	return &cobra.Command{
		Use:    "metrics",
		Short:  "not implemented yet",
		Hidden: true,
		RunE: func(*cobra.Command, []string) error {
			return failure(errors.New("metrics is not implemented yet"))
		},
	}
}
