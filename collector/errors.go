package collector

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/oca-collector/collector/devices"
)

// Sentinel errors for decisions. Callers classify a device's error with errors.Is; the report
// shows the class next to the message.
var (
	// ErrConnect: the TCP connection could not be made (refused, unreachable, DNS).
	ErrConnect = errors.New("connect failed")
	// ErrHandshake: TCP worked but the SSH handshake did not (no banner, no common algorithm).
	ErrHandshake = errors.New("ssh handshake failed")
	// ErrHostKey: the device's host key is unknown (strict policy) or does not match known_hosts.
	ErrHostKey = errors.New("host key verification failed")
	// ErrAuth: the device refused every offered credential.
	ErrAuth = errors.New("authentication failed")
	// ErrCredential: a credential could not be prepared locally (unset variable, bad key file).
	ErrCredential = errors.New("credential unavailable")
	// ErrTimeout: a deadline (connect, command or device) expired.
	ErrTimeout = errors.New("timeout")
	// ErrDisconnect: the connection dropped while commands were running.
	ErrDisconnect = errors.New("connection lost")
	// ErrOutputLimit: a command or the device produced more output than allowed.
	ErrOutputLimit = errors.New("output limit exceeded")
	// ErrInterrupted: the run was interrupted (SIGINT/SIGTERM) before the device finished.
	ErrInterrupted = errors.New("interrupted")
	// ErrBusy: another collection of the device was running (agent mode).
	ErrBusy = errors.New("device busy")
	// ErrWrite: the transcript or bulk file could not be written.
	ErrWrite = errors.New("write failed")
	// ErrNoPrompt: an interactive shell never showed a prompt its platform's patterns match.
	ErrNoPrompt = errors.New("no prompt")
	// ErrEnable: the device refused privileged mode (wrong enable password, most likely).
	ErrEnable = errors.New("enable failed")
	// ErrNoAsset: the device has no asset UUID yet (not provisioned), so it is not contacted.
	ErrNoAsset = errors.New("no asset uuid")
)

// errorClasses maps sentinels to the short names used in reports and logs.
var errorClasses = []struct {
	err   error
	class string
}{
	{ErrInterrupted, "interrupted"},
	{ErrBusy, "busy"},
	{ErrNoAsset, "asset"},
	{ErrHostKey, "hostkey"},
	{ErrAuth, "auth"},
	{ErrCredential, "credential"},
	{ErrEnable, "enable"},
	{ErrNoPrompt, "prompt"},
	{ErrTimeout, "timeout"},
	{ErrConnect, "connect"},
	{ErrHandshake, "handshake"},
	{ErrOutputLimit, "output_limit"},
	{ErrDisconnect, "disconnect"},
	{ErrWrite, "write"},
}

// ErrorClass names the class of err for reports: "auth", "hostkey", "timeout"... or "error"
// when it is none of the known classes, "" for nil.
func ErrorClass(err error) string {
	if err == nil {
		return ""
	}
	for _, c := range errorClasses {
		if errors.Is(err, c.err) {
			return c.class
		}
	}
	return "error"
}

// classError wraps err with the sentinel that says what kind of failure it is, keeping the
// original message. Errors that already carry a class are returned unchanged.
func classError(class error, err error) error {
	if err == nil || ErrorClass(err) != "error" {
		return err
	}
	return &classifiedError{class: class, err: err}
}

type classifiedError struct {
	class error
	err   error
}

func (e *classifiedError) Error() string   { return e.err.Error() }
func (e *classifiedError) Unwrap() []error { return []error{e.class, e.err} }

// classifyDialError turns an error from dialing, handshaking or authenticating into a classified
// one. ctxErr is the dial context's error, if any.
func classifyDialError(stage string, err error, ctxErr error) error {
	switch {
	case errors.Is(ctxErr, context.DeadlineExceeded):
		return classError(ErrTimeout, fmt.Errorf("%s: no answer within connect_timeout: %w", stage, err))
	case errors.Is(ctxErr, context.Canceled):
		return classError(ErrInterrupted, fmt.Errorf("%s: %w", stage, err))
	case errors.Is(err, devices.ErrSecretUnset):
		return classError(ErrCredential, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return classError(ErrTimeout, fmt.Errorf("%s: no answer within connect_timeout: %w", stage, err))
	}
	msg := err.Error()
	switch {
	case stage == "connect":
		return classError(ErrConnect, fmt.Errorf("%s: %w", stage, err))
	case strings.Contains(msg, "unable to authenticate"), strings.Contains(msg, "no supported methods remain"):
		return classError(ErrAuth, fmt.Errorf("%s: %w", stage, err))
	default:
		return classError(ErrHandshake, fmt.Errorf("%s: %w", stage, err))
	}
}

// retryable reports whether a failed connection attempt is worth another try: the network or
// the device's SSH daemon may be busy. Wrong credentials, host keys and local problems are not.
func retryable(err error) bool {
	var ae *AlgorithmError
	if errors.As(err, &ae) {
		return false // the device offers nothing we may use: trying again changes nothing
	}
	switch {
	case errors.Is(err, ErrInterrupted), errors.Is(err, ErrHostKey), errors.Is(err, ErrAuth),
		errors.Is(err, ErrCredential):
		return false
	}
	return errors.Is(err, ErrConnect) || errors.Is(err, ErrHandshake) || errors.Is(err, ErrTimeout) ||
		errors.Is(err, ErrDisconnect)
}
