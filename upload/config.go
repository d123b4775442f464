package upload

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Defaults applied by New to zero Config fields.
const (
	DefaultAssetFlowType = "DEFAULT"
	DefaultTimeout       = 60 * time.Second
	DefaultMaxAttempts   = 5
	DefaultMaxBackoff    = 60 * time.Second
	DefaultBaseBackoff   = time.Second
)

const redacted = "[REDACTED]"

// Config is everything a Client needs. It is plain data so the caller can build it from any
// source (inventory, flags, tests); the password is a plain string here because the caller has
// already resolved it, and Config redacts it wherever it could be printed.
type Config struct {
	// Gateway is the API gateway's base URL, e.g. https://gateway.qg1.apps.qualys.com.
	// http:// is accepted only for loopback hosts (test gateways): the password travels in the
	// /auth form.
	Gateway  string
	Username string
	// Password is never logged or printed: String, GoString and LogValue redact it.
	Password string
	// AssetFlowType is sent in the assetFlowType header; "" means DEFAULT.
	AssetFlowType string
	// Timeout bounds one HTTP attempt (auth or upload, body included); 0 means 60s.
	Timeout time.Duration
	// CAFile is a PEM bundle appended to the system roots, for private gateways.
	CAFile string
	// MaxAttempts bounds the attempts of one upload that fail with a retryable error; 0 means 5.
	// The single retry after a 401 (re-authentication) does not count against it.
	MaxAttempts int
	// MaxBackoff caps the exponential backoff; 0 means 60s.
	MaxBackoff time.Duration
	// BaseBackoff is the first backoff step; 0 means 1s.
	BaseBackoff time.Duration
	// HTTPClient replaces the default client (TLS verified with the system roots plus CAFile,
	// proxy from the environment, redirects not followed). CAFile is ignored when it is set.
	HTTPClient *http.Client
	// Logger receives retry warnings and debug traces; nil discards them.
	Logger *slog.Logger
	// Sleep waits d or until ctx is done; nil means a real timer. Tests inject it to record the
	// waits instead of sleeping.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock used for token expiry and rate-limit pauses; nil means time.Now.
	Now func() time.Time
}

// String implements fmt.Stringer without the password.
func (c Config) String() string {
	return fmt.Sprintf("upload.Config{Gateway:%q Username:%q Password:%s AssetFlowType:%q Timeout:%s CAFile:%q MaxAttempts:%d}",
		c.Gateway, c.Username, redactedIfSet(c.Password), c.AssetFlowType, c.Timeout, c.CAFile, c.MaxAttempts)
}

// GoString implements fmt.GoStringer, so %#v redacts too.
func (c Config) GoString() string { return c.String() }

// LogValue implements slog.LogValuer without the password.
func (c Config) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("gateway", c.Gateway),
		slog.String("username", c.Username),
		slog.String("password", redactedIfSet(c.Password)),
		slog.String("asset_flow_type", c.AssetFlowType),
		slog.Duration("timeout", c.Timeout),
		slog.String("ca_file", c.CAFile),
		slog.Int("max_attempts", c.MaxAttempts),
	)
}

func redactedIfSet(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// withDefaults validates c and fills its zero fields.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	base, err := parseGateway(c.Gateway)
	if err != nil {
		errs = append(errs, err)
	}
	c.Gateway = base
	if c.Username == "" {
		errs = append(errs, errors.New("username is empty"))
	}
	if c.Password == "" {
		errs = append(errs, errors.New("password is empty"))
	}
	if c.Timeout < 0 || c.MaxBackoff < 0 || c.BaseBackoff < 0 {
		errs = append(errs, errors.New("negative timeout or backoff"))
	}
	if c.MaxAttempts < 0 {
		errs = append(errs, errors.New("negative max attempts"))
	}
	if strings.ContainsAny(c.AssetFlowType, "\r\n") {
		errs = append(errs, errors.New("asset flow type contains a line break"))
	}
	if len(errs) > 0 {
		return c, errors.Join(errs...)
	}
	if c.AssetFlowType == "" {
		c.AssetFlowType = DefaultAssetFlowType
	}
	if c.Timeout == 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = DefaultMaxBackoff
	}
	if c.BaseBackoff == 0 {
		c.BaseBackoff = DefaultBaseBackoff
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Sleep == nil {
		c.Sleep = sleepCtx
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// parseGateway checks the gateway URL and returns it without a trailing slash. Credentials in
// the URL are refused (they would end up in logs), and plain http is refused unless the host is
// loopback, because the password is posted to /auth.
func parseGateway(raw string) (string, error) {
	if raw == "" {
		return "", errors.New("gateway is empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("gateway is not a valid URL")
	}
	if u.User != nil {
		return "", errors.New("gateway URL must not contain credentials")
	}
	if u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("gateway %q: want scheme://host[:port][/path] without query", u.Redacted())
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("gateway %q: plain http is allowed only for loopback test gateways", u.Redacted())
		}
	default:
		return "", fmt.Errorf("gateway %q: scheme must be https", u.Redacted())
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// defaultHTTPClient verifies TLS against the system roots plus caFile, honours the proxy
// environment, and does not follow redirects: a redirected POST would lose its body, and a
// gateway URL that redirects is a configuration error the operator should see.
func defaultHTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("ca file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca file %s: no PEM certificate found", caFile)
		}
		tlsCfg.RootCAs = pool
	}
	tr.TLSClientConfig = tlsCfg
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}

// sleepCtx waits d or until ctx is done.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
