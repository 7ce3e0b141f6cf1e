package probes

// tlsChecks are the tls family, in catalogue order.
var tlsChecks = []Check{}
