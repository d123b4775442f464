package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"

	"github.com/oca-collector/collector/collector"
	"github.com/oca-collector/collector/devices"
	"github.com/oca-collector/collector/upload"
)

// Uploader joins the OCA client and the spool into the collector's Uploader seam: a file
// is put in the spool before the first attempt and leaves it only after the API's 200.
type Uploader struct {
	client *upload.Client
	spool  *upload.Spool
	log    *slog.Logger
}

var _ collector.Uploader = (*Uploader)(nil)

// NewUploader prepares uploads for an inventory's upload section into outputDir's spool. It
// resolves the Qualys credentials now, so a missing variable stops the run before any device is
// contacted.
func NewUploader(cfg *devices.Upload, outputDir string, log *slog.Logger) (*Uploader, error) {
	client, err := NewClient(cfg, log)
	if err != nil {
		return nil, err
	}
	spool, err := upload.OpenSpool(filepath.Join(outputDir, "spool"))
	if err != nil {
		return nil, fmt.Errorf("spool: %w", err)
	}
	return &Uploader{client: client, spool: spool, log: log}, nil
}

// NewClient builds the OCA client for an inventory's upload section (the uploader's, and the
// one "collector assets" provisions with), resolving the Qualys credentials now.
func NewClient(cfg *devices.Upload, log *slog.Logger) (*upload.Client, error) {
	user, pass, err := cfg.ResolveCredentials()
	if err != nil {
		return nil, fmt.Errorf("upload credentials: %w", err)
	}
	client, err := upload.New(upload.Config{
		Gateway:       cfg.Gateway,
		Username:      user,
		Password:      pass.Reveal(),
		AssetFlowType: cfg.AssetFlowType,
		Timeout:       cfg.Timeout,
		CAFile:        cfg.CAFile,
		MaxAttempts:   cfg.MaxAttempts,
		MaxBackoff:    cfg.MaxBackoff,
		Logger:        log,
	})
	if err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	return client, nil
}

// Spool is the uploader's spool, for draining it ("upload --pending").
func (u *Uploader) Spool() *upload.Spool { return u.spool }

// Close releases the uploader's idle connections to the gateway.
func (u *Uploader) Close() { u.client.CloseIdleConnections() }

// Stage puts a file in the spool as assetUUID's pending upload: a run's bulk file, or any
// file (`upload --asset`). Its data is made durable before the spool links it (Spool.Put): the
// collector writes bulk files without an fsync and leaves that to this step.
func (u *Uploader) Stage(assetUUID, file, runID string) error {
	_, err := u.spool.Put(assetUUID, file, runID)
	return err
}

// Send tries to deliver assetUUID's spooled file; it leaves the spool only after a 200.
func (u *Uploader) Send(ctx context.Context, assetUUID string) collector.UploadResult {
	e, ok, err := u.spool.Get(assetUUID)
	switch {
	case err != nil:
		return collector.UploadResult{Status: collector.UploadFailed, Err: fmt.Errorf("spool: %w", err), Class: "spool"}
	case !ok:
		return collector.UploadResult{Status: collector.UploadFailed, Err: errors.New("not in the spool"), Class: "spool"}
	case ctx.Err() != nil:
		return collector.UploadResult{Status: collector.UploadPending, Err: errors.New("interrupted before the upload; kept in the spool"), Class: "interrupted"}
	}
	res, err := u.client.UploadFile(ctx, assetUUID, e.Path)
	if err == nil {
		if rerr := u.spool.Remove(assetUUID); rerr != nil {
			u.log.Warn("uploaded, but could not remove the file from the spool", "asset", assetUUID, "error", rerr)
		}
		return collector.UploadResult{Status: collector.UploadUploaded, Attempts: res.Attempts}
	}
	if rerr := u.spool.RecordFailure(assetUUID, err); rerr != nil {
		u.log.Warn("could not record the upload failure in the spool", "asset", assetUUID, "error", rerr)
	}
	status := collector.UploadFailed
	if upload.IsRetryable(err) || ctx.Err() != nil {
		status = collector.UploadPending
	}
	return collector.UploadResult{Status: status, Attempts: res.Attempts, Err: err, Class: uploadErrorClass(err, ctx)}
}

// uploadErrorClass names an upload failure for the report: the API's ERR-nnnn code when it
// gave one, else the HTTP status, else auth / network / interrupted.
func uploadErrorClass(err error, ctx context.Context) string {
	var api *upload.APIError
	switch {
	case ctx.Err() != nil:
		return "interrupted"
	case errors.As(err, &api) && api.ErrCode != "":
		return api.ErrCode
	case errors.As(err, &api):
		return fmt.Sprintf("http_%d", api.Status)
	case errors.Is(err, upload.ErrAuth):
		return "auth"
	case upload.IsRetryable(err):
		return "network"
	default:
		return "error"
	}
}
