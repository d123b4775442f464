// Package fakegateway is an in-process Qualys OCA gateway for tests and demos. It enforces what
// the real gateway documents and what our client promises (form-encoded /auth returning a JWT,
// bearer tokens that expire, the exact multipart shape of a bulk upload), records every request
// and accepted upload, and plays scripted faults (error statuses, 429 with waiting hints, expired
// tokens, delays, connection resets, rate-limit headers) so the uploader's retry and
// re-authentication paths can be tested without the internet.
//
// It listens on loopback only. Where the real gateway's behaviour is unknown (see the
// project's OCA-API.md notes) it is deliberately strict: it requires the assetFlowType header and
// an Accept that includes application/json, which the real API only documents.
package fakegateway
