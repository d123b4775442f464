package upload

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrAuth means the gateway refused the credentials: /auth answered 401, or an upload still got
// 401 with a fresh token. Retrying will not help until someone fixes the account.
var ErrAuth = errors.New("oca authentication failed")

// ErrRetryable is wrapped by errors worth retrying later (429, 5xx, network failures, timeouts,
// interruption) once this run gave up on them. A file that failed this way stays in the spool.
var ErrRetryable = errors.New("oca upload not accepted yet, retry later")

// ErrInvalidAssetUUID is returned before anything is contacted when an asset UUID is not
// 8-4-4-4-12 hexadecimal: the UUID becomes a URL path segment and a file name.
var ErrInvalidAssetUUID = errors.New("invalid asset uuid")

// IsRetryable reports whether err is worth retrying later (it wraps ErrRetryable).
func IsRetryable(err error) bool { return errors.Is(err, ErrRetryable) }

// APIError is an HTTP error answer from the gateway, with the server's own words, so an operator
// sees "ERR-2070 - Invalid file format..." rather than a bare status.
type APIError struct {
	Status  int    // HTTP status
	Code    int    // the _error envelope's code (usually Status), 0 if absent
	ErrCode string // "ERR-2070", or "" when the message has none
	Message string // the server's message verbatim (sanitised to printable text, at most 512 bytes)
	// RetryAfter is the wait the server asked for (Retry-After or X-RateLimit-ToWait-Sec), 0 if none.
	RetryAfter time.Duration
}

// Error implements error, e.g. "OCA API 400: ERR-2070 - Invalid file format. ...".
func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("OCA API %d: %s", e.Status, msg)
}

// maxMessageBytes caps how much of a non-JSON error body lands in an error message.
const maxMessageBytes = 512

var errCodeRE = regexp.MustCompile(`ERR-\d+`)

// errorEnvelope is the documented error body: {"_error":{"code":N,"message":"ERR-nnnn - ..."}}.
type errorEnvelope struct {
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"_error"`
}

// newAPIError builds an APIError from a non-2xx answer. secrets (the password, the bearer token)
// are removed from the message in case a gateway echoes the request back.
func newAPIError(status int, body []byte, secrets ...string) *APIError {
	e := &APIError{Status: status}
	var env errorEnvelope
	if json.Unmarshal(body, &env) == nil && env.Error != nil {
		e.Code = env.Error.Code
		e.Message = sanitize(env.Error.Message, secrets...)
	} else {
		e.Message = sanitize(string(body), secrets...)
	}
	e.ErrCode = errCodeRE.FindString(e.Message)
	return e
}

// sanitize keeps text printable and short enough for a log line, and removes secrets from it.
func sanitize(s string, secrets ...string) string {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		// Also the form-encoded spelling, which is how the password went over the wire.
		s = strings.ReplaceAll(s, secret, redacted)
		s = strings.ReplaceAll(s, url.QueryEscape(secret), redacted)
	}
	var b strings.Builder
	for _, r := range strings.TrimSpace(s) {
		if r == utf8.RuneError {
			r = '?'
		}
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		if !unicode.IsPrint(r) {
			continue
		}
		if b.Len()+utf8.RuneLen(r) > maxMessageBytes {
			break
		}
		b.WriteRune(r)
	}
	return b.String()
}
