package bench

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

// FleetConfig describes a simulated fleet: Devices Linux hosts answering Commands with
// LinuxOutputs, all accepting one user's key.
type FleetConfig struct {
	Devices  int
	Commands []string
	User     string
	UserKey  ssh.PublicKey
	// IPs spreads the devices round-robin over these loopback addresses (through a
	// forwarder each); empty serves every device directly on 127.0.0.1.
	IPs []string
	// Latency is the simulated round trip of each channel open and request (sshsim), or with
	// WAN of every exchange.
	Latency time.Duration
	// WAN applies Latency on the wire instead: every device is behind a forwarder that delays
	// each byte by Latency/2 each way, so the handshake, authentication and every request pay
	// it as they would over a real link (TCP's handshake excepted), and sshsim adds none.
	WAN bool
	// POSIXBatch makes the devices interpret the collector's batch script (sshsim.Config).
	POSIXBatch bool
	// MaxSessions is each device's channel limit; 0 keeps sshsim's (sshd's) 10.
	MaxSessions int
	Logger      *slog.Logger
}

// Fleet is a running simulated fleet.
type Fleet struct {
	servers    []*sshsim.Server
	forwarders []*forwarder
	devices    []ManifestDevice
}

// FleetStats sums what the devices saw, so a harness can check the collector's behaviour
// from the devices' side (logins per device, channels per device, retries).
type FleetStats struct {
	Devices               int `json:"devices"`
	Connections           int `json:"connections"`
	Logins                int `json:"logins"`
	AuthFailures          int `json:"auth_failures"`
	Execs                 int `json:"execs"`
	MaxConcurrentChannels int `json:"max_concurrent_channels"`
}

// StartFleet starts every device, or none: on an error the ones already started are closed.
func StartFleet(cfg FleetConfig) (*Fleet, error) {
	if cfg.Devices <= 0 {
		return nil, errors.New("fleet: no devices")
	}
	if cfg.UserKey == nil || cfg.User == "" {
		return nil, errors.New("fleet: a user and a key are needed")
	}
	for _, ip := range cfg.IPs {
		if p := net.ParseIP(ip); p == nil || !p.IsLoopback() {
			return nil, fmt.Errorf("fleet: %q is not a loopback address", ip)
		}
	}
	base := LinuxOutputs(cfg.Commands)
	simLatency, wanDelay := cfg.Latency, time.Duration(0)
	if cfg.WAN {
		simLatency, wanDelay = 0, cfg.Latency/2
	}
	users := map[string]sshsim.User{cfg.User: {AuthorizedKeys: []ssh.PublicKey{cfg.UserKey}}}
	f := &Fleet{devices: make([]ManifestDevice, 0, cfg.Devices)}
	for i := range cfg.Devices {
		name := fmt.Sprintf("sim%05d", i)
		srv, err := sshsim.Start(sshsim.Config{
			Users:       users,
			Commands:    DeviceOutputs(base, name),
			Latency:     simLatency,
			POSIXBatch:  cfg.POSIXBatch,
			MaxSessions: cfg.MaxSessions,
			Logger:      cfg.Logger,
		})
		if err != nil {
			return nil, errors.Join(fmt.Errorf("fleet device %s: %w", name, err), f.Close())
		}
		f.servers = append(f.servers, srv)
		dev := ManifestDevice{Name: name, Host: srv.Host(), Port: srv.Port(),
			HostKey: strings.TrimSpace(string(ssh.MarshalAuthorizedKey(srv.HostKey())))}
		if len(cfg.IPs) > 0 || wanDelay > 0 {
			ip := "127.0.0.1"
			if len(cfg.IPs) > 0 {
				ip = cfg.IPs[i%len(cfg.IPs)]
			}
			fw, err := startForwarder(ip, srv.Addr(), wanDelay)
			if err != nil {
				return nil, errors.Join(fmt.Errorf("fleet device %s: %w", name, err), f.Close())
			}
			f.forwarders = append(f.forwarders, fw)
			dev.Host, dev.Port = fw.addr().IP.String(), fw.addr().Port
		}
		f.devices = append(f.devices, dev)
	}
	return f, nil
}

// Devices lists the devices in start order.
func (f *Fleet) Devices() []ManifestDevice { return append([]ManifestDevice(nil), f.devices...) }

// Stats sums every device's sshsim.Stats.
func (f *Fleet) Stats() FleetStats {
	st := FleetStats{Devices: len(f.servers)}
	for _, s := range f.servers {
		d := s.Stats()
		st.Connections += d.Connections
		st.Logins += d.Logins
		st.AuthFailures += d.AuthFailures
		st.Execs += d.Execs
		st.MaxConcurrentChannels = max(st.MaxConcurrentChannels, d.MaxConcurrentChannels)
	}
	return st
}

// Close stops every forwarder and device and waits for their goroutines.
func (f *Fleet) Close() error {
	var errs []error
	for _, fw := range f.forwarders {
		errs = append(errs, fw.close())
	}
	for _, s := range f.servers {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
