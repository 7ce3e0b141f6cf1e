package probes

// edgeChecks are the edge family, in catalogue order.
var edgeChecks = []Check{}
