// Package redact is the one redaction kumoup applies wherever text leaves
// the program: check results, metrics output in every format, the
// dashboard's panes, and errors.
//
// A [Redactor] masks each secret (with model.Masked) in every form an echo
// of it may take: as is, in any case, without its last character, and with
// any of its characters JSON-escaped ("\/", "\u002b"), URL-escaped
// ("%2F", "%252F"), shell- or regex-escaped ("\+"), or HTML-escaped
// ("&#x2f;"). [Redactor.Excerpt] also cuts what it returns to
// [MaxExcerpt] characters, for the error excerpts and label values a
// hostile endpoint controls. Secrets shorter than [MinSecret] are ignored:
// they would mask ordinary words.
package redact
