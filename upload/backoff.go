package upload

import (
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// maxServerWait caps how long a server's Retry-After or rate-limit hint can make one upload wait:
// an unattended run should not hang for an hour on a gateway's say-so; the file stays spooled.
const maxServerWait = 10 * time.Minute

// backoff returns the wait before retry number n (1 = after the first failure): full jitter over
// BaseBackoff*2^(n-1), capped at MaxBackoff, so that many collectors retrying after the same
// gateway hiccup do not come back in lockstep.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.MaxBackoff
	if shift := n - 1; shift < 30 {
		if step := c.cfg.BaseBackoff << shift; step > 0 && step < d {
			d = step
		}
	}
	if d <= 0 {
		return 0
	}
	return time.Duration(rand.Int64N(int64(d) + 1))
}

// serverWait reads the wait a response asks for: Retry-After (seconds or HTTP date) first, then
// X-RateLimit-ToWait-Sec. The result is capped at maxServerWait.
func serverWait(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if d, ok := parseSeconds(v); ok {
			return min(d, maxServerWait), true
		}
		if t, err := http.ParseTime(v); err == nil {
			return min(max(t.Sub(now), 0), maxServerWait), true
		}
	}
	if d, ok := parseSeconds(h.Get("X-RateLimit-ToWait-Sec")); ok {
		return min(d, maxServerWait), true
	}
	return 0, false
}

// rateLimitPause reads a successful answer's rate-limit headers: when the window is used up
// (X-RateLimit-Remaining: 0) the next request must wait X-RateLimit-ToWait-Sec, or the window
// length if that is all the gateway says.
func rateLimitPause(h http.Header) (time.Duration, bool) {
	rem := strings.TrimSpace(h.Get("X-RateLimit-Remaining"))
	if rem == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(rem); err != nil || n > 0 {
		return 0, false
	}
	if d, ok := parseSeconds(h.Get("X-RateLimit-ToWait-Sec")); ok {
		return min(d, maxServerWait), true
	}
	if d, ok := parseSeconds(h.Get("X-RateLimit-Window-Sec")); ok {
		return min(d, maxServerWait), true
	}
	return 0, false
}

// parseSeconds parses a non-negative integer or decimal number of seconds.
func parseSeconds(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f != f {
		return 0, false
	}
	if f > maxServerWait.Seconds() {
		return maxServerWait, true
	}
	return time.Duration(f * float64(time.Second)), true
}
