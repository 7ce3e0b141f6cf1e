package standin

import (
	"bytes"
	"compress/flate"
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
	if !jsonContentType(r.Header.Get("Content-Type")) {
		text(w, http.StatusUnsupportedMediaType, "Expected request with `Content-Type: application/json`")
		return
	}
	body, err := decompress(r)
	if err != nil {
		text(w, http.StatusUnsupportedMediaType, err.Error())
		return
	}
	// The limit applies to the decompressed body, like kumod's.
	limit := k.BodyLimit()
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		text(w, http.StatusBadRequest, "Failed to buffer the request body: "+err.Error())
		return
	}
	if int64(len(data)) > limit {
		text(w, http.StatusRequestEntityTooLarge, "Failed to buffer the request body: length limit exceeded")
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

func jsonContentType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json")
}

func decompress(r *http.Request) (io.Reader, error) {
	switch enc := strings.ToLower(strings.TrimSpace(r.Header.Get("Content-Encoding"))); enc {
	case "", "identity":
		return r.Body, nil
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("invalid gzip body: %w", err)
		}
		return zr, nil
	case "deflate":
		zr, err := zlib.NewReader(r.Body)
		if err != nil {
			// Some clients send raw deflate.
			return flate.NewReader(r.Body), nil
		}
		return zr, nil
	default:
		return nil, fmt.Errorf("unsupported content encoding %q", enc)
	}
}

func syntaxError(data []byte) string {
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
