package collector

// Progress hears about a run as it goes, for a live display. The collector calls Started once
// with the number of targets before any device starts, then DeviceDone once per target (from
// the worker goroutines, so implementations must be safe for concurrent use) as soon as the
// device's collection is over, before its upload (res.Upload is not known yet).
// Implementations must return quickly: a worker waits for them.
type Progress interface {
	Started(total int)
	DeviceDone(res DeviceResult)
}

// WithProgress reports the run's progress to p (the CLI's terminal line). Workers return data
// and never print; p is where presenting happens.
func WithProgress(p Progress) Option {
	return func(r *Runner) {
		if p != nil {
			r.progress = p
		}
	}
}

// noProgress is the default: nobody is watching.
type noProgress struct{}

func (noProgress) Started(int)             {}
func (noProgress) DeviceDone(DeviceResult) {}
