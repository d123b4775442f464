package collector

import (
	"time"
)

// defaultKeepaliveCountMax is used when keepalives are on and no count is set (OpenSSH's
// ServerAliveCountMax default).
const defaultKeepaliveCountMax = 3

// keepaliveConn is what keepalives need of a connection; *ssh.Client has it.
type keepaliveConn interface {
	SendRequest(name string, wantReply bool, payload []byte) (bool, []byte, error)
	Wait() error
	Close() error
}

// startKeepalive probes c every interval with a "keepalive@openssh.com" global request that
// wants a reply, as OpenSSH's ServerAliveInterval does. Any reply counts, a refusal included:
// it proves the peer is alive. When countMax intervals in a row pass without the reply to the
// outstanding probe, it calls onDead and closes c. Without this a device that vanished (a
// reboot, a firewall dropping the state, a black-holed path) is noticed only when
// command_timeout expires, and TCP keepalives take minutes; with it, commands in flight fail
// as a lost connection within about (countMax+1) x interval.
//
// At most one probe is in flight: x/crypto serialises global requests, so a second probe
// would only queue behind the first. An interval <= 0 disables keepalives. The probing ends
// when c's Wait returns; the returned channel is closed then.
func startKeepalive(c keepaliveConn, interval time.Duration, countMax int, onDead func(missed int)) <-chan struct{} {
	stopped := make(chan struct{})
	if interval <= 0 {
		close(stopped)
		return stopped
	}
	if countMax <= 0 {
		countMax = defaultKeepaliveCountMax
	}
	gone := make(chan struct{})
	go func() {
		_ = c.Wait()
		close(gone)
	}()
	go func() {
		defer close(stopped)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		answered := make(chan struct{}, 1) // one probe in flight at most: never blocks
		inFlight, missed := false, 0
		for {
			select {
			case <-gone:
				return
			case <-answered:
				inFlight, missed = false, 0
			case <-tick.C:
				if !inFlight {
					inFlight = true
					go probe(c, answered)
					continue
				}
				missed++
				if missed >= countMax {
					if onDead != nil {
						onDead(missed)
					}
					_ = c.Close()
					<-gone
					return
				}
			}
		}
	}()
	return stopped
}

// probe sends one keepalive and reports a reply. It returns when the reply comes or the
// connection closes.
func probe(c keepaliveConn, answered chan<- struct{}) {
	if _, _, err := c.SendRequest("keepalive@openssh.com", true, nil); err == nil {
		answered <- struct{}{}
	}
}
