package probes

// dnsChecks are the dns family, in catalogue order.
var dnsChecks = []Check{}
