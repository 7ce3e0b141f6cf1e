// Package writer turns a model.Deployment into the files a KumoMTA host
// needs and writes them safely.
//
// [Render] produces every file (content, mode, owner) from templates kept
// in templates/, one per output file. [NewPlan] compares them with what is
// on disk (create, update, unchanged, with a diff in which every secret is
// masked), and [Plan.Apply] writes them atomically: a temp file created
// 0600 with O_EXCL in the target directory, written, synced, chowned,
// chmodded to its final mode and renamed over the target, the directory
// synced, a timestamped backup kept of what was replaced.
//
// [Load] reads back the deployment a previous apply wrote; [ReadAnswers]
// and [ResolveTokens] turn an answers file into a deployment for apply,
// tokens coming from root-only files, the environment, the host, or
// [model.NewToken]; [ReadHostAnswers] reads the same file for the host
// commands, which need no tokens. [RequireRoot] says, before anything is
// touched, whether the current user may write a layout;
// [Plan.ApplyWithProgress] and [WriteFiles] are the apply as kumoup's
// commands run it, one line per changed file.
//
// [RenderFirewall] renders a host's nftables rules (table inet kumoup),
// [CheckRules] validates them in a throwaway network namespace and
// [LoadRules] loads them with nft -f; where [UFWActive] says ufw runs,
// [UFWCommands] are the same rules as ufw commands instead.
//
// [ServiceHost] says how a host runs its services once the files are
// written: [ServiceHost.NginxReload] is the command that makes nginx
// serve them, through systemd where it runs, else by hand.
package writer
