package fakegateway

import (
	"fmt"
	"net/http"
	"strconv"
	"time"
)

type faultKind int

const (
	kindOK faultKind = iota
	kindStatus
	kindExpireToken
	kindDelay
	kindReset
)

// Fault is one scripted answer. Script queues faults per asset; each upload request consumes
// at most one (Times makes one fault cover several requests). Faults that "answer normally"
// (OK, RateLimit, Delay) still run every check of a real upload and can still fail it.
type Fault struct {
	kind   faultKind
	status int
	body   string
	header http.Header
	delay  time.Duration
	times  int
}

// OK answers the request normally. Use it to let some requests through before a fault.
func OK() Fault { return Fault{kind: kindOK, times: 1} }

// Status answers with code and body without looking at the request. An empty body becomes the
// gateway's error envelope {"_error":{"code":code,"message":<status text>}}.
func Status(code int, body string) Fault {
	if body == "" {
		body = envelope(code, http.StatusText(code))
	}
	return Fault{kind: kindStatus, status: code, body: body, times: 1}
}

// TooManyRequests answers 429 with Retry-After and X-RateLimit-ToWait-Sec set to the given
// values, each omitted when empty.
func TooManyRequests(retryAfter, toWaitSec string) Fault {
	f := Status(http.StatusTooManyRequests, "")
	if retryAfter != "" {
		f = f.WithHeader("Retry-After", retryAfter)
	}
	if toWaitSec != "" {
		f = f.WithHeader("X-RateLimit-ToWait-Sec", toWaitSec)
	}
	return f
}

// ExpireToken invalidates the bearer token the request carries and answers 401, as the gateway
// does when a token expired: the client must authenticate again.
func ExpireToken() Fault { return Fault{kind: kindExpireToken, times: 1} }

// Delay holds the request for d, then answers normally. It gives up early when the client goes
// away or the gateway is closed, so it never blocks Close.
func Delay(d time.Duration) Fault { return Fault{kind: kindDelay, delay: d, times: 1} }

// Reset closes the TCP connection (with an RST) without answering.
func Reset() Fault { return Fault{kind: kindReset, times: 1} }

// RateLimit answers normally with the rate-limit headers the gateway sends:
// X-RateLimit-Limit, X-RateLimit-Remaining and X-RateLimit-Window-Sec.
func RateLimit(limit, remaining, windowSec int) Fault {
	return OK().
		WithHeader("X-RateLimit-Limit", strconv.Itoa(limit)).
		WithHeader("X-RateLimit-Remaining", strconv.Itoa(remaining)).
		WithHeader("X-RateLimit-Window-Sec", strconv.Itoa(windowSec))
}

// Times makes f apply to the next n requests instead of one.
func Times(n int, f Fault) Fault {
	f.times = max(n, 1)
	return f
}

// WithHeader returns f with a response header added, e.g. Status(503, "").WithHeader("Retry-After", "2").
func (f Fault) WithHeader(key, value string) Fault {
	h := f.header.Clone()
	if h == nil {
		h = make(http.Header)
	}
	h.Add(key, value)
	f.header = h
	return f
}

// String names the fault; Request.Fault records it.
func (f Fault) String() string {
	switch f.kind {
	case kindStatus:
		return fmt.Sprintf("status %d", f.status)
	case kindExpireToken:
		return "expire token"
	case kindDelay:
		return fmt.Sprintf("delay %s", f.delay)
	case kindReset:
		return "reset"
	default:
		if f.header != nil {
			return "ok with headers"
		}
		return "ok"
	}
}
