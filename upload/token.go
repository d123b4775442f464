package upload

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Token lifetime assumptions. The OCA token lives 4 hours; it is renewed a little before it
// expires so an upload never starts with a token about to die mid-request.
const (
	assumedTokenLifetime = 4 * time.Hour
	maxRenewMargin       = 5 * time.Minute
	maxTokenBytes        = 64 << 10
)

// token is a bearer token and the time after which it should no longer be used.
type token struct {
	value   string
	renewAt time.Time
}

// authCall is one /auth request that concurrent callers wait on instead of each posting their
// own (a tiny singleflight; x/sync is not a dependency).
type authCall struct {
	done chan struct{}
	tok  token
	err  error
}

// tokenCache holds the client's one token.
type tokenCache struct {
	mu   sync.Mutex
	tok  token // zero when there is none
	call *authCall
}

// token returns a usable token, fetching one when none is cached or the cached one is due for
// renewal. Only one fetch runs at a time; callers that arrive meanwhile wait for its result or
// their own ctx.
func (c *Client) token(ctx context.Context) (string, error) {
	for {
		c.tokens.mu.Lock()
		if c.tokens.tok.value != "" && c.cfg.Now().Before(c.tokens.tok.renewAt) {
			v := c.tokens.tok.value
			c.tokens.mu.Unlock()
			return v, nil
		}
		call := c.tokens.call
		leader := call == nil
		if leader {
			call = &authCall{done: make(chan struct{})}
			c.tokens.call = call
		}
		c.tokens.mu.Unlock()

		if leader {
			call.tok, call.err = c.fetchToken(ctx)
			c.tokens.mu.Lock()
			if call.err == nil {
				c.tokens.tok = call.tok
			}
			c.tokens.call = nil
			c.tokens.mu.Unlock()
			close(call.done)
			if call.err != nil {
				return "", call.err
			}
			return call.tok.value, nil
		}

		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-call.done:
		}
		if call.err == nil {
			return call.tok.value, nil
		}
		// The leader's own context ended its fetch: that says nothing about ours, try again.
		if errors.Is(call.err, context.Canceled) || errors.Is(call.err, context.DeadlineExceeded) {
			if ctx.Err() != nil {
				return "", ctx.Err()
			}
			continue
		}
		return "", call.err
	}
}

// dropToken forgets the cached token if it is still the one that was refused, so that several
// uploads refused at once cause a single re-authentication.
func (c *Client) dropToken(refused string) {
	c.tokens.mu.Lock()
	defer c.tokens.mu.Unlock()
	if c.tokens.tok.value == refused {
		c.tokens.tok = token{}
	}
}

// fetchToken posts the credentials to /auth. Errors never contain the password: the form is the
// request body, never part of a URL or a message.
func (c *Client) fetchToken(ctx context.Context) (token, error) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	form := url.Values{"username": {c.cfg.Username}, "password": {c.cfg.Password}, "token": {"true"}}
	req, err := http.NewRequestWithContext(actx, http.MethodPost, c.cfg.Gateway+"/auth", strings.NewReader(form.Encode()))
	if err != nil {
		return token{}, fmt.Errorf("oca auth: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", userAgent)
	start := c.cfg.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return token{}, fmt.Errorf("oca auth: %w", c.wrapTransport(ctx, err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBytes+1))
	if err != nil {
		return token{}, fmt.Errorf("oca auth: read answer: %w", c.wrapTransport(ctx, err))
	}
	if resp.StatusCode != http.StatusCreated {
		apiErr := newAPIError(resp.StatusCode, body, c.cfg.Password)
		apiErr.RetryAfter, _ = serverWait(resp.Header, c.cfg.Now())
		if resp.StatusCode == http.StatusUnauthorized {
			return token{}, fmt.Errorf("oca auth: %w: %w", ErrAuth, apiErr)
		}
		return token{}, fmt.Errorf("oca auth: %w", apiErr)
	}
	v := strings.TrimSpace(string(body))
	if len(body) > maxTokenBytes || !validTokenText(v) {
		// The body is not quoted: if it is a token of an unexpected shape it is still a secret.
		return token{}, fmt.Errorf("oca auth: answer 201 is not a token (%d bytes)", len(body))
	}
	return token{value: v, renewAt: renewTime(v, start)}, nil
}

// validTokenText accepts what can go in an Authorization header unchanged.
func validTokenText(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// renewTime decides when a token obtained at issued should be replaced: before its exp claim
// by the smaller of 5 minutes and a tenth of its lifetime (so short-lived tokens are still
// reused). Without a usable exp (missing, unparseable, already past by our clock) the documented
// 4-hour lifetime is assumed; a 401 still triggers re-authentication if that guess is wrong.
func renewTime(jwt string, issued time.Time) time.Time {
	exp, ok := jwtExpiry(jwt)
	lifetime := exp.Sub(issued)
	if !ok || lifetime <= 0 {
		lifetime = assumedTokenLifetime
	}
	margin := min(maxRenewMargin, lifetime/10)
	return issued.Add(lifetime - margin)
}

// jwtExpiry reads the exp claim of a JWT without checking its signature: the client only needs
// to know when to renew, the gateway does the verifying.
func jwtExpiry(jwt string) (time.Time, bool) {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return time.Time{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}, false
	}
	var claims struct {
		Exp *json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == nil {
		return time.Time{}, false
	}
	secs, err := claims.Exp.Float64()
	if err != nil || secs <= 0 || secs > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(int64(secs), 0), true
}
