package model

// SMTPProxy holds the answers for the optional nginx reverse SMTP proxy
// (nginx's mail module in front of the MTA's SMTP listener).
type SMTPProxy struct {
	// Enabled turns the mail {} block on.
	Enabled bool `yaml:"enabled,omitempty"`
}

// validate reports problems in the SMTP proxy answers.
func (s SMTPProxy) validate(p *Problems) {}
