package probes

// outsideChecks are the checks `kumoup status --from-outside NAME` runs from
// another network, in order.
var outsideChecks = []Check{}

// OutsideCatalogue returns the checks run from an untrusted network against
// a deployment's public name.
func OutsideCatalogue() []Check { return append([]Check(nil), outsideChecks...) }
