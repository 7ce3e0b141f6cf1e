package probes

// networkChecks are the network family, in catalogue order: the two
// services kumod talks to, asked from this host.
var networkChecks = []Check{
	{ID: "proxy.socks5", Title: "KumoProxy answers SOCKS5", Run: checkProxySOCKS5},
	{ID: "webhook.reachable", Title: "Webhook endpoint reachable over verified TLS", Run: checkWebhookReachable},
}
