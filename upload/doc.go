// Package upload talks to the Qualys OCA API and keeps the spool of bulk files the API has not
// accepted yet. It is the only code that holds the OCA password and the bearer token, so it is
// written to keep both out of every error, log line and String output.
//
// A Client fetches one token per gateway and shares it between concurrent uploads, renewing it
// before it expires and once more after a 401. It retries what is worth retrying (429, 5xx,
// network failures, timeouts) with capped, jittered backoff and the server's own waiting hints,
// and returns everything else at once as an *APIError carrying the server's message, because an
// operator fixes a 400 or 403 by reading it, not by waiting.
//
// The package stands alone: it takes plain values (gateway URL, credentials, file paths) and
// imports neither the inventory model nor the SSH code.
package upload
