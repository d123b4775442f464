package collector

import (
	"context"
	"time"

	"github.com/oca-collector/collector/devices"
)

// Device statuses (DESIGN.md "Device status").
const (
	StatusOK      = "ok"
	StatusPartial = "partial"
	StatusFailed  = "failed"
	StatusSkipped = "skipped"
)

// Upload statuses.
const (
	UploadUploaded = "uploaded" // the API answered 200; the file left the spool
	UploadPending  = "pending"  // a retryable failure (429, 5xx, network); the file waits in the spool
	UploadFailed   = "failed"   // refused for good (4xx) or could not be spooled; the spool keeps it with the reason
	UploadSkipped  = "skipped"  // not attempted: no upload section, --no-upload, or the device did not finish
)

// Uploader is the seam to the OCA upload stage. Stage makes the bulk file durable in the spool
// before any attempt, so an interruption can never lose it; Send then tries to deliver it.
type Uploader interface {
	Stage(assetUUID, bulkFile, runID string) error
	Send(ctx context.Context, assetUUID string) UploadResult
}

// UploadResult is what became of one asset's upload.
type UploadResult struct {
	Status   string
	Attempts int
	Err      error
	Class    string // short error class for reports: "ERR-2070", "http_403", "auth", "network"...
}

// DeviceResult is one device's outcome. It holds counts and paths, not outputs: outputs are
// streamed to disk, so a fleet's results stay small.
type DeviceResult struct {
	Device   *devices.Device // the run's target (shared, not a copy: a fleet's results stay small)
	Status   string
	Err      error
	Attempts int // connection attempts made

	Commands    int // commands in the set
	Failed      int // commands that did not complete
	NonzeroExit int // commands that completed with a non-zero exit status

	Bytes          int64 // size of the bulk file
	Started        time.Time
	Duration       time.Duration
	BulkFile       string
	TranscriptFile string

	Upload UploadResult
}
