// Package model describes a kumoup deployment: the handful of answers an
// operator gives (public name, tokens, app webhook, KumoProxy egress), their
// defaults, and the rules that make them valid.
//
// A [Deployment] is plain data. [Deployment.Validate] reports every problem
// at once, split into errors (which block writing) and warnings (which are
// shown but do not block). Each field also has a stand-alone validator
// (ValidateDomain, ValidateToken, ...) so interactive forms can check one
// value at a time with the same messages.
//
// Validators reject, never escape: a value that could break out of a config
// line (quotes, ';', braces, '$', '#', whitespace, backslash, non-ASCII) is
// refused with a message naming the field and the fix.
//
// The package imports nothing else of kumoup.
package model
