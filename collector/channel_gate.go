package collector

import (
	"context"
	"sync"
)

// channelGate bounds the exec channels in flight on one connection. It starts at max_sessions
// and shrinks when the device refuses a channel while others are open, so a device whose real
// limit is lower than configured (sshd's MaxSessions, a small vty pool) is used at its own pace
// instead of failing commands.
type channelGate struct {
	mu       sync.Mutex
	limit    int
	inflight int
	changed  chan struct{} // closed and replaced whenever a slot frees
}

func newChannelGate(limit int) *channelGate {
	return &channelGate{limit: limit, changed: make(chan struct{})}
}

// acquire takes a slot, waiting for one while the gate is full.
func (g *channelGate) acquire(ctx context.Context) error {
	for {
		g.mu.Lock()
		if g.inflight < g.limit {
			g.inflight++
			g.mu.Unlock()
			return nil
		}
		ch := g.changed
		g.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// release frees a slot.
func (g *channelGate) release() {
	g.mu.Lock()
	g.inflight--
	close(g.changed)
	g.changed = make(chan struct{})
	g.mu.Unlock()
}

// refused is called by a slot holder whose channel open the device refused. When other slots
// are held, the device's real limit is what it already has: the gate shrinks to that, and the
// caller gives up its slot, waits for another to free and takes a slot again (waited is true).
// With no other slot held there is nothing to wait for (waited is false).
func (g *channelGate) refused(ctx context.Context) (waited bool, err error) {
	g.mu.Lock()
	others := g.inflight - 1
	if others == 0 {
		g.mu.Unlock()
		return false, nil
	}
	g.limit = others
	g.inflight--
	ch := g.changed
	g.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		g.mu.Lock()
		g.inflight++ // the caller still releases its slot when it returns
		g.mu.Unlock()
		return false, ctx.Err()
	}
	if err := g.acquire(ctx); err != nil {
		g.mu.Lock()
		g.inflight++
		g.mu.Unlock()
		return false, err
	}
	return true, nil
}
