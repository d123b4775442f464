package agent

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oca-collector/collector/internal/metrics"
)

// Names of the agent's own metrics, served on /metrics beside the run metrics.
const (
	NameInventoryLoaded  = "oca_collector_agent_inventory_loaded_timestamp_seconds"
	NameReloadFailed     = "oca_collector_agent_reload_failed"
	NameNextScheduledRun = "oca_collector_agent_next_scheduled_run_timestamp_seconds"
	NameRunsInFlight     = "oca_collector_agent_runs_in_flight"
)

// gauges are what an alert on the agent itself needs: a refused reload (the file on disk is
// not what runs), a schedule that stopped, runs piling up.
type gauges struct {
	inventoryLoaded prometheus.Gauge
	reloadFailed    prometheus.Gauge
	nextRun         prometheus.Gauge
	inFlight        prometheus.Gauge
}

func newGauges(set *metrics.Set) (gauges, error) {
	g := gauges{
		inventoryLoaded: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameInventoryLoaded,
			Help: "When the inventory in use was loaded (Unix time)."}),
		reloadFailed: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameReloadFailed,
			Help: "1 when the last reload was refused and the agent runs an older inventory than the file."}),
		nextRun: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameNextScheduledRun,
			Help: "When the next scheduled run starts (Unix time); 0 when none is scheduled."}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: NameRunsInFlight,
			Help: "Runs (scheduled and on demand) collecting now."}),
	}
	for _, c := range []prometheus.Collector{g.inventoryLoaded, g.reloadFailed, g.nextRun, g.inFlight} {
		if err := set.Registry().Register(c); err != nil {
			return gauges{}, err
		}
	}
	return g, nil
}

// loaded records a reload: its time when ok, else that it failed (the load time stays).
func (g gauges) loaded(at time.Time, ok bool) {
	if !ok {
		g.reloadFailed.Set(1)
		return
	}
	g.reloadFailed.Set(0)
	g.inventoryLoaded.Set(float64(at.UnixMilli()) / 1e3)
}

func (g gauges) next(at time.Time) {
	if at.IsZero() {
		g.nextRun.Set(0)
		return
	}
	g.nextRun.Set(float64(at.UnixMilli()) / 1e3)
}
