package devices

import (
	"encoding/json"
	"log/slog"
)

// Secret holds a password, passphrase or token. Every way of printing or marshalling it yields
// "[REDACTED]", so a secret that reaches a log line, a report or an error message by mistake
// still does not leak. Use Reveal at the single place the value is handed to the wire.
type Secret string

const redacted = "[REDACTED]"

// Reveal returns the secret's value. Call it only where the value leaves the process (SSH auth,
// the OCA /auth form), never to log or format.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer, so %#v redacts too.
func (s Secret) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// MarshalText implements encoding.TextMarshaler (YAML and other text encoders).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
