package probes

// networkChecks are the network family, in catalogue order.
var networkChecks = []Check{}
