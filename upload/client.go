package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sync"
	"time"
)

const (
	userAgent = "oca-collector"
	// maxAnswerBytes bounds how much of an answer body is read; OCA answers are a few hundred bytes.
	maxAnswerBytes = 1 << 20
)

var assetUUIDRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ValidAssetUUID reports whether s has the 8-4-4-4-12 hexadecimal shape of an OCA asset UUID.
// Only such strings are put in a URL path or a spool file name.
func ValidAssetUUID(s string) bool { return assetUUIDRE.MatchString(s) }

// Client uploads bulk files to one OCA gateway. It is safe for concurrent use: uploads share one
// token and one rate-limit pause; how many run at once is the caller's choice.
type Client struct {
	cfg    Config
	http   *http.Client
	tokens tokenCache

	pauseMu   sync.Mutex
	notBefore time.Time // no upload request starts before this (rate limit, Retry-After)
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

// outcome is what one upload attempt came to.
type outcome struct {
	status       int    // HTTP status, 0 when there was no answer
	message      string // success message
	token        string // token the attempt used, to drop it after a 401
	err          error
	retry        bool          // worth another attempt
	unauthorized bool          // the upload (not /auth) was answered 401
	wait         time.Duration // server-requested wait, when hasWait
	hasWait      bool
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
	log := c.cfg.Logger.With(keyAsset, assetUUID)
	var last error
	failures, reauthed := 0, false
	for {
		if err := c.waitPause(ctx); err != nil {
			return res, retryLater(assetUUID, res.Attempts, err, last)
		}
		res.Attempts++
		start := c.cfg.Now()
		out := c.attempt(ctx, assetUUID, path)
		elapsed := c.cfg.Now().Sub(start)
		switch {
		case out.err == nil:
			res.Message = out.message
			log.Debug("uploaded", keyStatus, out.status, keyAttempt, res.Attempts, keyDuration, elapsed)
			return res, nil
		case out.unauthorized && !reauthed:
			reauthed = true
			c.dropToken(out.token)
			log.Info("token refused, authenticating again", keyStatus, out.status, keyAttempt, res.Attempts)
			continue
		case out.unauthorized:
			return res, fmt.Errorf("upload %s: %w: %w", assetUUID, ErrAuth, out.err)
		case !out.retry:
			return res, fmt.Errorf("upload %s: %w", assetUUID, out.err)
		case ctx.Err() != nil:
			return res, retryLater(assetUUID, res.Attempts, context.Cause(ctx), out.err)
		}
		last = out.err
		failures++
		if failures >= c.cfg.MaxAttempts {
			return res, retryLater(assetUUID, res.Attempts, out.err, nil)
		}
		wait := c.backoff(failures)
		if out.hasWait {
			// A server's wait applies to every upload on this gateway, not just this one.
			wait = out.wait
			c.pauseUntil(c.cfg.Now().Add(wait))
		}
		log.Warn("upload failed, will retry", keyStatus, out.status, keyAttempt, res.Attempts,
			keyError, out.err, keyDuration, elapsed, keyWait, wait)
		if out.hasWait {
			continue // waitPause does the waiting, and checks the deadline
		}
		if beyondDeadline(ctx, wait) {
			return res, retryLater(assetUUID, res.Attempts, fmt.Errorf("next retry in %s is past the deadline", wait.Round(time.Millisecond)), last)
		}
		if err := c.cfg.Sleep(ctx, wait); err != nil {
			return res, retryLater(assetUUID, res.Attempts, err, last)
		}
	}
}

// retryLater builds the error for an upload this run gave up on but a later run should retry.
func retryLater(assetUUID string, attempts int, reason, last error) error {
	if last == nil || errors.Is(last, reason) {
		return fmt.Errorf("upload %s: gave up after %d attempts: %w: %w", assetUUID, attempts, ErrRetryable, reason)
	}
	return fmt.Errorf("upload %s: gave up after %d attempts: %w: %w (last failure: %w)", assetUUID, attempts, ErrRetryable, reason, last)
}

// attempt gets a token and sends one upload request.
func (c *Client) attempt(ctx context.Context, assetUUID, path string) outcome {
	tok, err := c.token(ctx)
	if err != nil {
		return authOutcome(err)
	}
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
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("assetFlowType", c.cfg.AssetFlowType)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", body.contentType)
	req.Header.Set("User-Agent", userAgent)

	resp, err := c.http.Do(req)
	if err != nil {
		te := c.wrapTransport(ctx, err)
		return outcome{token: tok, err: te, retry: te.retry}
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
	out := outcome{status: resp.StatusCode, token: tok}

	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// The gateway accepted the file; a body cut short does not undo that.
		var ok struct {
			Message string `json:"message"`
		}
		if json.Unmarshal(data, &ok) == nil {
			out.message = sanitize(ok.Message, c.cfg.Password, tok)
		} else {
			out.message = sanitize(string(data), c.cfg.Password, tok)
		}
		if resp.StatusCode != http.StatusOK || readErr != nil {
			c.cfg.Logger.Info("upload accepted with an unexpected answer", keyAsset, assetUUID,
				keyStatus, resp.StatusCode, keyError, readErr)
		}
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
		out.retry = true // a waiter's own context; UploadFile checks it
	}
	return out
}

// pauseUntil holds every upload of this client until t (a gateway's rate-limit or Retry-After).
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
