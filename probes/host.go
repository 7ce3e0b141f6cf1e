package probes

// hostChecks are the host family, in catalogue order.
var hostChecks = []Check{}
