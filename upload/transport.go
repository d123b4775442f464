package upload

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
)

// transportError is a request that got no HTTP answer: refused or reset connection, timeout,
// TLS failure. retry says whether time can fix it.
type transportError struct {
	err   error
	retry bool
}

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// wrapTransport classifies an error from http.Client.Do or from reading an answer. A failed TLS
// verification is final (a wrong CA or host name does not fix itself, and retrying it would
// only hide the problem); everything else is retryable. ctx is the upload's context, to tell an
// attempt's own timeout from the caller giving up.
func (c *Client) wrapTransport(ctx context.Context, err error) *transportError {
	if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		err = fmt.Errorf("no answer within %s: %w", c.cfg.Timeout, err)
	}
	return &transportError{err: err, retry: !isTLSVerifyError(err)}
}

func isTLSVerifyError(err error) bool {
	var (
		verify    *tls.CertificateVerificationError
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
	)
	return errors.As(err, &verify) || errors.As(err, &unknownCA) || errors.As(err, &hostname) ||
		errors.As(err, &invalid) || errors.As(err, &record)
}

// isDialError reports whether err came before a request could be sent (no connection to the
// gateway or its proxy was made), so the gateway cannot have acted on it.
func isDialError(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && (op.Op == "dial" || op.Op == "proxyconnect")
}
