package ui

import (
	"context"

	"github.com/kumoup/kumoup/writer"
)

// stepCommand chooses a next step's command as the step runs (in its
// tea.Cmd, never in Update), from how the host runs its services then:
// the command, or, when nil, why the step does not apply on this host and
// what stands in for it.
type stepCommand func(ctx context.Context) (argv []string, notApplicable string)

// reloadNginxStep reloads nginx as `kumoup cert` does
// (writer.ServiceHost.NginxReload): through systemd where it runs, else
// by signalling the running nginx, else by starting it. The screen shows
// the systemd command until the step ran, then the command it ran.
func reloadNginxStep(h writer.ServiceHost) step {
	return step{
		title: "Reload nginx",
		argv:  []string{"systemctl", "reload-or-restart", "nginx"},
		hint:  "without systemd: nginx -s reload, or nginx when it is stopped",
		command: func(ctx context.Context) ([]string, string) {
			return h.NginxReload(ctx), ""
		},
	}
}

// systemdStep runs argv where systemd runs the host's services; elsewhere
// the step does not apply, and without says what to do instead.
func systemdStep(h writer.ServiceHost, title string, argv []string, without string) step {
	return step{
		title: title,
		argv:  argv,
		command: func(context.Context) ([]string, string) {
			if h.Systemd() {
				return argv, ""
			}
			return nil, "systemd does not run on this host (no " + h.SystemdDir + "): " + without
		},
	}
}

// daemonReloadWithout is what stands in for loading the drop-in on a host
// without systemd.
func daemonReloadWithout(l writer.Layout) string {
	return "kumomta.service and its drop-in " + l.SystemdDropIn() + " are not used here; whatever starts kumod must give it the variables of " + l.EnvFile() + " (next step)"
}

// restartKumodWithout is the manual restart of kumod on a host without
// systemd, with the environment file's variables (the unit's ExecStart),
// the command on a line of its own.
func restartKumodWithout(l writer.Layout) string {
	return "stop the running kumod, then start it as kumomta.service would, with the variables of " + l.EnvFile() + ":\n" +
		"set -a && . " + l.EnvFile() + " && set +a && " + l.Kumod() + " --policy " + l.PolicyInit() + " --user kumod"
}

// proxySteps are the KumoProxy host's next steps.
func proxySteps(l writer.Layout, h writer.ServiceHost) []step {
	return []step{
		systemdStep(h, "Load the new unit", []string{"systemctl", "daemon-reload"},
			l.ProxyUnit()+" is not used here (next step)"),
		systemdStep(h, "Start KumoProxy now and at every boot", []string{"systemctl", "enable", "--now", "kumoproxy"},
			"start KumoProxy as this host starts its programs, as an unprivileged user, with the command of the ExecStart= line of "+l.ProxyUnit()+", now and at every boot"),
		{title: "Review and load the firewall rules (press f here)", manual: "kumoup firewall --host proxy --apply"},
		{title: "Check the proxy host (listener, firewall; --test-mx proves outbound SMTP)", manual: "kumoup proxy --check\nkumoup proxy --check --test-mx MX:25"},
	}
}
