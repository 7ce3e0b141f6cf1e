package model

// Firewall holds the answers the generated nftables rules need. Every field
// is optional; empty means the rule's documented default.
type Firewall struct {
	// AppAddresses, when set, restricts inbound 443 on the MTA host to these
	// addresses or CIDR prefixes (the app's egress). Empty: from anywhere.
	AppAddresses []string `yaml:"app_addresses,omitempty"`
}

// validate reports problems in the firewall answers.
func (f Firewall) validate(p *Problems) {}
