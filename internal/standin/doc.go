// Package standin runs a stand-in for kumod's HTTP listener on loopback, for
// tests and for `kumoup demo`. It is the only component of kumoup's tests
// that is not the real thing: everything in front of it (nginx, TLS) is.
//
// The stand-in answers like the real listener as recorded in
// docs/kumomta.md:
//
//   - Any Authorization header is inspected, even from a trusted host: a
//     Bearer header gets 401 "BearerToken Authentication Failed" (no Lua
//     handler), a Basic header 401, a malformed one 400. This is why nginx
//     must clear the header before proxying.
//   - A Content-Encoding other than exactly gzip, deflate (zlib) or
//     identity gets 415 with an empty body and Accept-Encoding, on every
//     path and before authentication (tower-http's request decompression
//     layer is outside kumod's auth middleware).
//   - POST /api/inject/v1 takes the JSON injection request, in axum's Json
//     extractor's order: 415 without a JSON content type (before a byte
//     is read); then the body, decompressed as it is read, 413 "Failed to
//     buffer the request body: length limit exceeded" as soon as it is
//     over the body limit (counted after decompression, 2 MB by default
//     like kumod), 400 for broken compression; then 400 for bad JSON
//     (whitespace only: "EOF while parsing a value"), 422 for shape errors
//     such as `{}` or an unknown field, and 200 with {success_count,
//     fail_count, failed_recipients, errors} for a valid request. It never
//     sends mail.
//   - GET /metrics serves Prometheus text (gzip when asked), by default a
//     real capture of an idle kumod embedded from fixtures/.
//   - /metrics.json, /api/admin/..., /api/machine-info,
//     /api/check-liveness/v1, /rapidoc and /api-docs/openapi.json answer
//     200, so a proxy that exposes them is caught.
//
// Every request is recorded ([Kumod.Requests]) so a test can see what went
// through the proxy: whether an Authorization header arrived, the raw URI,
// the body length.
//
// Typical use:
//
//	k, err := standin.Start(ctx, standin.Config{BodyLimit: d.MaxBodyBytes()})
//	...
//	defer k.Close()
//	d.Listener = k.Addr()
package standin
