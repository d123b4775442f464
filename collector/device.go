package collector

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/oca-collector/collector/devices"
)

// collectDevice runs one device from dial to written files. Every step is bounded by the
// device deadline; connection-level failures are retried, and a connection lost half way is
// resumed with only the commands that did not complete.
func (r *Runner) collectDevice(ctx context.Context, dev *devices.Device) DeviceResult {
	res := DeviceResult{Device: dev, Started: time.Now(), Commands: len(dev.Commands)}
	if dev.AssetUUID == "" {
		// Its files are named by asset and its upload needs one: not worth a login.
		res.Status, res.Failed = StatusFailed, len(dev.Commands)
		res.Err = classError(ErrNoAsset, errors.New("no asset_uuid: run `collector assets provision` (device not contacted)"))
		return res
	}

	dctx, cancel := context.WithTimeoutCause(ctx, r.inv.Collection.DeviceTimeout, errDeviceTimeout)
	defer cancel()

	tr := &Transcript{
		Version: TranscriptVersion, RunID: r.runID, Device: dev.Name, Host: dev.Host, Port: dev.Port,
		AssetUUID: dev.AssetUUID, Platform: dev.Platform, Started: res.Started,
	}
	records := make([]CommandRecord, len(dev.Commands))
	errs := make([]error, len(dev.Commands))
	todo := make([]int, len(dev.Commands))
	for i, c := range dev.Commands {
		records[i] = CommandRecord{Index: i, Command: c, ExitStatus: -1, Error: "not run"}
		errs[i] = errNotRun
		todo[i] = i
	}
	drv := r.driverFor(*dev)
	var connErr error
	connected := false
	for attempt := 0; attempt <= r.inv.Collection.Retries && len(todo) > 0; attempt++ {
		if attempt > 0 {
			if err := sleepCtx(dctx, retryDelay(attempt)); err != nil {
				break
			}
		}
		res.Attempts++
		client, err := r.dial(dctx, *dev)
		if err != nil {
			connErr = err
			r.log.Debug("connection attempt failed", "device", dev.Name, "attempt", res.Attempts, "error", err)
			if !retryable(err) || dctx.Err() != nil {
				break
			}
			continue
		}
		connected = true
		dead := make(chan struct{})
		go func() { _ = client.Wait(); close(dead) }()
		sess := &session{client: client, dead: dead}
		drv.run(dctx, sess, records, errs, todo)
		if sess.prompt != "" {
			tr.Prompt = sess.prompt
		}
		_ = client.Close()
		<-dead
		todo = todo[:0:0]
		for i, e := range errs {
			if errors.Is(e, ErrDisconnect) {
				todo = append(todo, i)
			}
		}
		if len(todo) > 0 {
			connErr = errs[todo[0]]
			r.log.Info("connection lost; resuming the commands that did not complete", "device", dev.Name,
				"commands", len(todo), "attempt", res.Attempts)
		}
	}
	if connErr == nil && dctx.Err() != nil && !connected {
		connErr = ctxError(dctx, "before connecting")
	}

	tr.Commands = records
	tr.Finished = time.Now()
	res.Status, res.Err = deviceStatus(connected, connErr, records, errs)
	tr.Status = res.Status
	if res.Err != nil {
		tr.Error = res.Err.Error()
	}
	for _, rec := range records {
		switch {
		case rec.Error != "":
			res.Failed++
		case rec.ExitStatus > 0 || rec.Signal != "":
			res.NonzeroExit++
		}
	}
	r.writeFiles(&res, tr)
	res.Duration = time.Since(res.Started)
	return res
}

var errNotRun = errors.New("not run")

// deviceStatus applies DESIGN.md's rules: ok when every command completed, partial when some
// did, failed when none did (or no session was ever established).
func deviceStatus(connected bool, connErr error, records []CommandRecord, errs []error) (string, error) {
	if !connected {
		if connErr == nil {
			connErr = errors.New("no connection attempt was made")
		}
		return StatusFailed, connErr
	}
	done, first := 0, -1
	for i, rec := range records {
		if rec.Error == "" {
			done++
		} else if first < 0 {
			first = i
		}
	}
	if first < 0 {
		return StatusOK, nil
	}
	err := fmt.Errorf("%d of %d commands did not complete; first: %q: %w",
		len(records)-done, len(records), records[first].Command, errs[first])
	if done == 0 {
		return StatusFailed, err
	}
	return StatusPartial, err
}

// writeFiles writes the transcript (always, so the error is on disk too) and the bulk file
// (when at least one command completed), each atomically but without an fsync: staging for
// upload syncs the bulk file's data before the spool links it, and the run's closing syncfs
// (Runner.syncRun) makes the rest durable. Until then a power loss can cost the run's files,
// never a spooled copy.
func (r *Runner) writeFiles(res *DeviceResult, tr *Transcript) {
	bufs, _ := r.writeBufs.Get().(*writeBuffers)
	if bufs == nil {
		bufs = &writeBuffers{file: bufio.NewWriterSize(nil, atomicBufferSize)}
	}
	defer r.writeBufs.Put(bufs)
	base := filepath.Join(r.runDir, res.Device.AssetUUID)
	res.TranscriptFile = base + ".json"
	if err := writeTranscript(res.TranscriptFile, tr, bufs.file, syncNone); err != nil {
		res.TranscriptFile = ""
		res.Status, res.Err = StatusFailed, classError(ErrWrite, fmt.Errorf("write transcript: %w", err))
		return
	}
	if res.Status != StatusFailed {
		n, err := writeBulk(base+".txt", r.renderer, tr, bufs, syncNone)
		if err != nil {
			res.Status, res.Err = StatusFailed, classError(ErrWrite, fmt.Errorf("write bulk file: %w", err))
		} else {
			res.BulkFile, res.Bytes = base+".txt", n
		}
	}
}

// retryDelay is the pause before connection attempt n (n >= 1): 1s, 2s, 4s... capped at 10s,
// with jitter so devices that failed together do not retry together.
func retryDelay(n int) time.Duration {
	d := min(time.Second<<(n-1), 10*time.Second)
	return d/2 + rand.N(d/2+1)
}

// sleepCtx waits d, or until ctx ends; a d of zero or less only reports ctx's state.
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
