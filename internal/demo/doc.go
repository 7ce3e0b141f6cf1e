// Package demo runs `kumoup demo`: a complete, real-looking KumoMTA
// deployment on this machine's loopback, for the wizard and the dashboard to
// work against, with nothing installed but Go (and nginx when present).
//
// [Start] makes a temporary directory and starts, on loopback high ports:
//
//   - a stand-in kumod (package standin) serving evolving metrics from an
//     expogen.Sim: deliveries, transient failures, queues filling and
//     draining, a counter reset now and then, the webhook backlog;
//   - when nginx is installed (and not refused with Config.NoNginx), a real
//     nginx (package loopback) with kumoup's generated configuration and a
//     certificate from a throwaway CA, in front of the stand-in; without
//     nginx, a minimal token check in plain HTTP takes its place, so the
//     dashboard still scrapes with the token (the stand-in, like kumod,
//     refuses any Authorization header).
//
// It builds the demo's answers (a .test domain, fresh tokens, a webhook URL
// and a KumoProxy on loopback), a pretend host root under the temporary
// directory that the wizard writes into, and the probes.Target and check
// list the dashboard uses: the checks that cannot run on loopback are
// replaced by ones that report skip with the reason.
//
// [Env.Reload] makes the demo serve the answers the wizard wrote (its nginx
// reloaded, the stand-in's body limit following) and returns the target
// the dashboard then checks: the UI calls it after its apply
// (ui.Options.AfterApply).
//
// [Env.Close] stops everything Start started and removes the directory
// (unless Config.Keep); it also runs when Start's context is done, so
// ctrl+c, SIGTERM or SIGHUP leave no nginx or stand-in running.
package demo
