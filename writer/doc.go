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
// [model.NewToken]. [RequireRoot] says, before anything is touched,
// whether the current user may write a layout.
package writer
