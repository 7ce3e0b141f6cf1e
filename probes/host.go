package probes

import "github.com/kumoup/kumoup/model"

// hostChecks are the host family, in catalogue order: what the files,
// sockets and services on this machine say, read locally.
var hostChecks = []Check{
	{ID: "host.listener.loopback", Title: "KumoMTA listener bound to loopback only", Run: checkListenerLoopback},
	{ID: "host.envfile.permissions", Title: "Environment file is 0600 root:root", Run: checkEnvFilePermissions},
	{ID: "host.envfile.values", Title: "Environment file values are complete and valid", Run: checkEnvFileValues},
	{ID: "host.tokenfile.permissions", Title: "Token include is private; site file holds no token", Run: checkTokenFilePermissions},
	{ID: "host.tokens.distinct", Title: "Injection and webhook tokens differ", Run: checkTokensDistinct},
	{ID: "host.tokens.rotation", Title: "A token rotation ends within its grace period", Run: checkTokenRotation},
	{ID: "host.tokens.history", Title: "No token in shell history or readable answers", Run: checkTokensHistory},
	{ID: "host.systemd.envfile", Title: "kumomta loads the environment file, restarted since", Run: checkSystemdEnvFile},
	{ID: "host.nginx.config", Title: "nginx -t passes", Run: checkNginxConfig},
	{ID: "host.kumod.version", Title: "KumoMTA is " + model.MinKumoVersion + " or later", Run: checkKumodVersion},
	// Live, on kumod's own listener (loopback): no precondition, as an
	// exposed listener (host.listener.loopback) or an old kumod
	// (host.kumod.version) does not change what its limit is; a listener
	// that does not answer is a skip saying so.
	{ID: "host.kumod.body.limit", Title: "kumod's listener enforces max_body (request_body_limit)", Run: checkKumodBodyLimit},
	{ID: "host.files.drift", Title: "Managed files are as the last apply wrote them", Run: checkFilesDrift},
	{ID: "host.policy.wired", Title: "init.lua uses the kumoup module", Run: checkPolicyWired},
}
