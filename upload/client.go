package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"
)

const (
	userAgent = "oca-collector"
	// maxAnswerBytes bounds how much of an answer body is read; OCA answers are a few hundred bytes.
	maxAnswerBytes = 1 << 20
)

// ValidAssetUUID reports whether s has the 8-4-4-4-12 hexadecimal shape of an OCA asset UUID
// (either case). Only such strings are put in a URL path or a spool file name. A loop, not a
// regular expression: a fleet run checks each device's UUID several times (stage, spool,
// upload), and the regexp cost more than the rest of the spool's bookkeeping.
func ValidAssetUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHexDigit(c) {
				return false
			}
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// Client calls one OCA gateway: bulk uploads, and asset provisioning and status (assets.go). It
// is safe for concurrent use: calls share one token and one rate-limit pause; how many run at
// once is the caller's choice.
type Client struct {
	cfg    Config
	http   *http.Client
	tokens tokenCache

	pauseMu   sync.Mutex
	notBefore time.Time // no API request starts before this (rate limit, Retry-After)
}

// Result describes an accepted upload.
type Result struct {
	Attempts int    // attempts made, the successful one included (a failed token fetch counts as one)
	Message  string // the server's success message
}

// New checks cfg, applies defaults and builds the HTTP client. Nothing is contacted yet: the
// token is fetched by the first upload.
func New(cfg Config) (*Client, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("upload config: %w", err)
	}
	hc := cfg.HTTPClient
	if hc == nil {
		if hc, err = defaultHTTPClient(cfg.CAFile); err != nil {
			return nil, fmt.Errorf("upload config: %w", err)
		}
	}
	return &Client{cfg: cfg, http: hc}, nil
}

// String implements fmt.Stringer; it names the gateway and user, never the password or token.
func (c *Client) String() string {
	return fmt.Sprintf("upload.Client{gateway=%s user=%s}", c.cfg.Gateway, c.cfg.Username)
}

// GoString implements fmt.GoStringer so %#v cannot dump the unexported credentials.
func (c *Client) GoString() string { return c.String() }

// outcome is what one attempt of an API call came to.
type outcome struct {
	status       int    // HTTP status, 0 when there was no answer
	message      string // success message (uploads)
	body         []byte // a 2xx answer's body, for the call to decode
	bodyErr      error  // reading a 2xx answer's body failed (the call still happened)
	token        string // token the attempt used, to drop it after a 401
	err          error
	retry        bool          // worth another attempt
	unauthorized bool          // the call (not /auth) was answered 401
	wait         time.Duration // server-requested wait, when hasWait
	hasWait      bool
	// maybeDone is set when the gateway may have acted on the request although the attempt
	// failed (no answer after the request went out, a 5xx): repeating a call that is not
	// idempotent could then do it twice.
	maybeDone bool
}

// UploadFile uploads the bulk file at path for assetUUID. It retries 429, 5xx, network failures
// and timeouts up to MaxAttempts (then the error wraps ErrRetryable and the last cause), re-
// authenticates once after a 401 (a second one wraps ErrAuth), and returns other refusals at once
// as an *APIError. The file is re-read from the start on every attempt.
func (c *Client) UploadFile(ctx context.Context, assetUUID, path string) (Result, error) {
	var res Result
	if !ValidAssetUUID(assetUUID) {
		return res, fmt.Errorf("upload %q: %w", assetUUID, ErrInvalidAssetUUID)
	}
	if st, err := os.Stat(path); err != nil {
		return res, fmt.Errorf("upload %s: %w", assetUUID, err)
	} else if !st.Mode().IsRegular() {
		return res, fmt.Errorf("upload %s: %s is not a regular file", assetUUID, path)
	}
	out, attempts, err := c.do(ctx, apiCall{
		what: "upload", label: "upload " + assetUUID, idempotent: true,
		log: c.cfg.Logger.With(keyAsset, assetUUID),
		send: func(ctx context.Context, tok string) outcome {
			return c.sendBulk(ctx, tok, assetUUID, path)
		},
	})
	res.Attempts = attempts
	if err != nil {
		return res, err
	}
	res.Message = out.message
	return res, nil
}

// apiCall is one OCA API call as the retry loop sees it.
type apiCall struct {
	what  string // "upload", "provision": the verb of log messages
	label string // "upload <uuid>": the stage name errors start with
	log   *slog.Logger
	// idempotent says the call may be repeated after an attempt the gateway may have acted on.
	// A call that is not (provisioning creates an asset each time) is retried only when the
	// gateway certainly did nothing: 429, 503, no connection, no token.
	idempotent bool
	// send makes one attempt with a token.
	send func(ctx context.Context, tok string) outcome
}

// do runs a call under the client's rules, shared by every OCA call: wait out a rate-limit
// pause, get the cached token, retry 429, 5xx, network failures and timeouts up to MaxAttempts
// with backoff or the server's wait (then the error wraps ErrRetryable), re-authenticate once
// after a 401 (a second one wraps ErrAuth), and return other refusals at once as an *APIError.
// It returns the successful attempt's outcome and the number of attempts made.
func (c *Client) do(ctx context.Context, k apiCall) (outcome, int, error) {
	var last error
	attempts, failures, reauthed := 0, 0, false
	for {
		if err := c.waitPause(ctx); err != nil {
			return outcome{}, attempts, retryLater(k.label, attempts, err, last)
		}
		attempts++
		start := c.cfg.Now()
		out := c.attempt(ctx, k.send)
		elapsed := c.cfg.Now().Sub(start)
		switch {
		case out.err == nil:
			k.log.Debug(k.what+" done", keyStatus, out.status, keyAttempt, attempts, keyDuration, elapsed)
			return out, attempts, nil
		case out.unauthorized && !reauthed:
			reauthed = true
			c.dropToken(out.token)
			k.log.Info("token refused, authenticating again", keyStatus, out.status, keyAttempt, attempts)
			continue
		case out.unauthorized:
			return out, attempts, fmt.Errorf("%s: %w: %w", k.label, ErrAuth, out.err)
		case !out.retry:
			return out, attempts, fmt.Errorf("%s: %w", k.label, out.err)
		case !k.idempotent && out.maybeDone:
			return out, attempts, fmt.Errorf("%s: %w: %w", k.label, ErrOutcomeUnknown, out.err)
		case ctx.Err() != nil:
			return out, attempts, retryLater(k.label, attempts, context.Cause(ctx), out.err)
		}
		last = out.err
		failures++
		if failures >= c.cfg.MaxAttempts {
			return out, attempts, retryLater(k.label, attempts, out.err, nil)
		}
		wait := c.backoff(failures)
		if out.hasWait {
			// A server's wait applies to every call on this gateway, not just this one.
			wait = out.wait
			c.pauseUntil(c.cfg.Now().Add(wait))
		}
		k.log.Warn(k.what+" failed, will retry", keyStatus, out.status, keyAttempt, attempts,
			keyError, out.err, keyDuration, elapsed, keyWait, wait)
		if out.hasWait {
			continue // waitPause does the waiting, and checks the deadline
		}
		if beyondDeadline(ctx, wait) {
			return out, attempts, retryLater(k.label, attempts, fmt.Errorf("next retry in %s is past the deadline", wait.Round(time.Millisecond)), last)
		}
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return out, attempts, retryLater(k.label, attempts, err, last)
		}
	}
}

// retryLater builds the error for a call this run gave up on but a later run should retry.
func retryLater(label string, attempts int, reason, last error) error {
	if last == nil || errors.Is(last, reason) {
		return fmt.Errorf("%s: gave up after %d attempts: %w: %w", label, attempts, ErrRetryable, reason)
	}
	return fmt.Errorf("%s: gave up after %d attempts: %w: %w (last failure: %w)", label, attempts, ErrRetryable, reason, last)
}

// attempt gets a token and makes one attempt with it.
func (c *Client) attempt(ctx context.Context, send func(context.Context, string) outcome) outcome {
	tok, err := c.token(ctx)
	if err != nil {
		return authOutcome(err)
	}
	return send(ctx, tok)
}

// sendBulk sends one upload request.
func (c *Client) sendBulk(ctx context.Context, tok, assetUUID, path string) outcome {
	body, err := openBulkBody(assetUUID, path)
	if err != nil {
		return outcome{err: fmt.Errorf("read bulk file: %w", err)}
	}
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.uploadURL(assetUUID), body)
	if err != nil {
		_ = body.Close()
		return outcome{err: err}
	}
	req.ContentLength = body.length
	req.Header.Set("Content-Type", body.contentType)
	req.Header.Set("assetFlowType", c.cfg.AssetFlowType)
	out := c.exchange(ctx, tok, req)
	if out.err != nil {
		return out
	}
	// The gateway accepted the file; a body cut short does not undo that.
	var ok struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(out.body, &ok) == nil {
		out.message = sanitize(ok.Message, c.cfg.Password, tok)
	} else {
		out.message = sanitize(string(out.body), c.cfg.Password, tok)
	}
	if out.status != http.StatusOK || out.bodyErr != nil {
		c.cfg.Logger.Info("upload accepted with an unexpected answer", keyAsset, assetUUID,
			keyStatus, out.status, keyError, out.bodyErr)
	}
	return out
}

// exchange sends req with the headers every OCA call carries and classifies the answer: a 2xx
// leaves its body in the outcome (and honours the rate-limit headers), anything else becomes
// an *APIError with the server's message, its waiting hint and whether to retry.
func (c *Client) exchange(ctx context.Context, tok string, req *http.Request) outcome {
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)

	resp, err := c.http.Do(req)
	if err != nil {
		te := c.wrapTransport(ctx, err)
		return outcome{token: tok, err: te, retry: te.retry, maybeDone: !isDialError(err)}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	out := outcome{status: resp.StatusCode, token: tok}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		out.body, out.bodyErr = data, readErr
		if d, ok := rateLimitPause(resp.Header); ok {
			c.pauseUntil(c.cfg.Now().Add(d))
		}
		return out
	}

	apiErr := newAPIError(resp.StatusCode, data, c.cfg.Password, tok)
	if loc := resp.Header.Get("Location"); resp.StatusCode/100 == 3 && loc != "" {
		apiErr.Message = sanitize("redirected to "+loc, c.cfg.Password, tok)
	}
	apiErr.RetryAfter, out.hasWait = serverWait(resp.Header, c.cfg.Now())
	out.wait = apiErr.RetryAfter
	out.err = apiErr
	out.unauthorized = resp.StatusCode == http.StatusUnauthorized
	out.retry = retryableStatus(resp.StatusCode)
	// 429 and 503 say the request was not handled; any other 5xx may come after the work.
	out.maybeDone = resp.StatusCode/100 == 5 && resp.StatusCode != http.StatusServiceUnavailable
	return out
}

func (c *Client) uploadURL(assetUUID string) string {
	return c.cfg.Gateway + "/ocaapi/v2.0/asset/" + url.PathEscape(assetUUID) + "/command/bulk/output/PolicyCompliance"
}

// retryableStatus: rate limiting, request timeout and server-side failures pass with time;
// every other refusal needs a person.
func retryableStatus(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusRequestTimeout ||
		(status >= 500 && status <= 599)
}

// authOutcome classifies a failure to get a token.
func authOutcome(err error) outcome {
	out := outcome{err: err}
	var apiErr *APIError
	var te *transportError
	switch {
	case errors.Is(err, ErrAuth):
		// /auth itself refused the credentials: not a stale token, nothing to retry.
	case errors.As(err, &apiErr):
		out.status = apiErr.Status
		out.retry = retryableStatus(apiErr.Status)
		out.wait, out.hasWait = apiErr.RetryAfter, apiErr.RetryAfter > 0
	case errors.As(err, &te):
		out.retry = te.retry
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		out.retry = true // a waiter's own context; do checks it
	}
	return out
}

// pauseUntil holds every API call of this client until t (a gateway's rate-limit or Retry-After).
func (c *Client) pauseUntil(t time.Time) {
	c.pauseMu.Lock()
	defer c.pauseMu.Unlock()
	if t.After(c.notBefore) {
		c.notBefore = t
	}
}

// waitPause waits out a pause set by pauseUntil, or fails at once when the pause ends after
// ctx's deadline: waiting would only end in a timeout.
func (c *Client) waitPause(ctx context.Context) error {
	c.pauseMu.Lock()
	until := c.notBefore
	c.pauseMu.Unlock()
	now := c.cfg.Now()
	d := until.Sub(now)
	if d <= 0 {
		return ctx.Err()
	}
	if beyondDeadline(ctx, d) {
		return fmt.Errorf("gateway asks to wait %s, past the deadline", d.Round(time.Millisecond))
	}
	return c.cfg.Sleep(ctx, d)
}

// beyondDeadline reports whether waiting d would outlast ctx. Deadlines are wall-clock times,
// so this uses the real clock even when Config.Now is a test clock.
func beyondDeadline(ctx context.Context, d time.Duration) bool {
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < d
}

// CloseIdleConnections closes the keep-alive connections to the gateway. Call it when no more
// uploads will follow (the end of a run), so nothing lingers after the work is done.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }
