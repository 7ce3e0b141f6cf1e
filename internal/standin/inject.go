package standin

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
)

// injectRequest is the shape of kumod's InjectV1Request: unknown fields
// are rejected.
type injectRequest struct {
	EnvelopeSender     *string         `json:"envelope_sender"`
	Recipients         *[]recipient    `json:"recipients"`
	Content            json.RawMessage `json:"content"`
	Substitutions      map[string]any  `json:"substitutions"`
	TemplateDialect    json.RawMessage `json:"template_dialect"`
	DeferredSpool      *bool           `json:"deferred_spool"`
	DeferredGeneration *bool           `json:"deferred_generation"`
	TraceHeaders       json.RawMessage `json:"trace_headers"`
}

type recipient struct {
	Email         *string        `json:"email"`
	Name          *string        `json:"name"`
	Substitutions map[string]any `json:"substitutions"`
}

// builtContent is the object form of "content" (the message builder).
type builtContent struct {
	TextBody    *string         `json:"text_body"`
	HTMLBody    *string         `json:"html_body"`
	AMPHTMLBody *string         `json:"amp_html_body"`
	Attachments json.RawMessage `json:"attachments"`
	Headers     json.RawMessage `json:"headers"`
	From        json.RawMessage `json:"from"`
	Subject     *string         `json:"subject"`
	ReplyTo     json.RawMessage `json:"reply_to"`
}

type injectResponse struct {
	SuccessCount     int      `json:"success_count"`
	FailCount        int      `json:"fail_count"`
	FailedRecipients []string `json:"failed_recipients"`
	Errors           []string `json:"errors"`
}

func (k *Kumod) inject(w http.ResponseWriter, r *http.Request) {
	// axum's Json extractor, in its order: the content type (415) before a
	// byte of the body is read; then the body, decompressed as it is read
	// (the request decompression layer wraps it), under the body limit
	// counted after decompression (413, http_body_util::Limited) or broken
	// compression (400); then serde: syntax 400, shape 422.
	if !jsonContentType(r.Header.Get("Content-Type")) {
		text(w, http.StatusUnsupportedMediaType, "Expected request with `Content-Type: application/json`")
		return
	}
	limit := k.BodyLimit()
	data, err := readDecompressed(r, limit)
	switch {
	case errors.Is(err, errLengthLimit):
		text(w, http.StatusRequestEntityTooLarge, "Failed to buffer the request body: length limit exceeded")
		return
	case err != nil:
		text(w, http.StatusBadRequest, "Failed to buffer the request body: "+err.Error())
		return
	}
	if !json.Valid(data) {
		text(w, http.StatusBadRequest, "Failed to parse the request body as JSON: "+syntaxError(data))
		return
	}
	n, err := validateInject(data)
	if err != nil {
		text(w, http.StatusUnprocessableEntity, "Failed to deserialize the JSON body into the target type: "+err.Error())
		return
	}
	out, _ := json.Marshal(injectResponse{SuccessCount: n, FailedRecipients: []string{}, Errors: []string{}})
	jsonBody(w, http.StatusOK, string(out))
}

// errLengthLimit is http_body_util's LengthLimitError.
var errLengthLimit = errors.New("length limit exceeded")

// readDecompressed reads r's body through the decoder its Content-Encoding
// names (supportedEncoding has already refused any other) and returns it,
// or errLengthLimit as soon as more than limit decompressed bytes arrive.
func readDecompressed(r *http.Request, limit int64) ([]byte, error) {
	var body io.Reader = r.Body
	switch r.Header.Get("Content-Encoding") {
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("invalid gzip header: %w", err)
		}
		// async-compression's GzipDecoder reads one member.
		zr.Multistream(false)
		body = zr
	case "deflate":
		// HTTP's deflate is the zlib format (tower-http's ZlibDecoder);
		// raw deflate is a body error, as in kumod.
		zr, err := zlib.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("invalid deflate (zlib) header: %w", err)
		}
		body = zr
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errLengthLimit
	}
	return data, nil
}

// supportedEncoding is tower-http's RequestDecompressionLayer as kumod
// builds it (gzip and deflate, the only decoders compiled in): it compares
// the Content-Encoding header's bytes exactly, and answers anything else
// with 415, an empty body and Accept-Encoding, before authentication.
func supportedEncoding(w http.ResponseWriter, r *http.Request) bool {
	vs, ok := r.Header["Content-Encoding"]
	if !ok || len(vs) == 0 {
		return true
	}
	switch vs[0] {
	case "gzip", "deflate", "identity":
		return true
	}
	w.Header().Set("Accept-Encoding", "gzip,deflate")
	w.WriteHeader(http.StatusUnsupportedMediaType)
	return false
}

func jsonContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

// syntaxError words why data is not JSON. A body of whitespace only (or
// none) gets serde_json's words, as kumoup's body-limit probe sends it.
func syntaxError(data []byte) string {
	if len(bytes.TrimLeft(data, " \t\r\n")) == 0 {
		line := 1 + bytes.Count(data, []byte("\n"))
		col := len(data) - (bytes.LastIndexByte(data, '\n') + 1)
		return fmt.Sprintf("EOF while parsing a value at line %d column %d", line, col)
	}
	var v any
	err := json.Unmarshal(data, &v)
	if err == nil {
		return "invalid JSON"
	}
	return err.Error()
}

// validateInject checks the request's shape and returns the number of
// recipients.
func validateInject(data []byte) (int, error) {
	var req injectRequest
	if err := strictDecode(data, &req); err != nil {
		return 0, err
	}
	switch {
	case req.EnvelopeSender == nil:
		return 0, errors.New("missing field `envelope_sender`")
	case req.Recipients == nil:
		return 0, errors.New("missing field `recipients`")
	case len(req.Content) == 0:
		return 0, errors.New("missing field `content`")
	}
	for i, rc := range *req.Recipients {
		if rc.Email == nil {
			return 0, fmt.Errorf("recipients[%d]: missing field `email`", i)
		}
	}
	switch c := bytes.TrimSpace(req.Content); {
	case len(c) > 0 && c[0] == '"':
		var s string
		if err := json.Unmarshal(c, &s); err != nil {
			return 0, fmt.Errorf("content: %w", err)
		}
	case len(c) > 0 && c[0] == '{':
		var b builtContent
		if err := strictDecode(c, &b); err != nil {
			return 0, fmt.Errorf("content: %w", err)
		}
	default:
		return 0, errors.New("content: data did not match any variant of untagged enum Content")
	}
	return len(*req.Recipients), nil
}

func strictDecode(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	return nil
}
