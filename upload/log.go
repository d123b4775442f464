package upload

// Attribute keys for log/slog, shared with the rest of the collector so that a log processor can
// follow one asset across collection and upload.
const (
	keyAsset    = "asset"
	keyStatus   = "status"
	keyAttempt  = "attempt"
	keyError    = "error"
	keyDuration = "duration"
	keyWait     = "wait"
	// Provisioning: the asset does not have a UUID yet.
	keyHostIP     = "host_ip"
	keyTechnology = "technology"
)
