package completion

import (
	"github.com/dbtok/dbtok/internal/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdRefresh is the hidden command shell completion starts in the
// background to refresh its cache of a workspace's tokens (see
// cmdutil.RefreshCompletionCache). It prints nothing.
func NewCmdRefresh(f *cmdutil.Factory) *cobra.Command {
	var allUsers bool
	cmd := &cobra.Command{
		Use:    cmdutil.RefreshCompletionCommand,
		Short:  "Refresh shell completion's cache of token IDs and comments",
		Hidden: true,
		Args:   cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return f.RefreshCompletionCache(cmd.Context(), allUsers)
		},
	}
	cmd.Flags().BoolVar(&allUsers, "all-users", false, "every user's tokens (the admin listing)")
	return cmd
}
