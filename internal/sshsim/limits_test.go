package sshsim_test

import (
	"errors"
	"testing"

	"golang.org/x/crypto/ssh"

	"github.com/oca-collector/collector/internal/sshsim"
)

func TestMaxSessions(t *testing.T) {
	for _, tc := range []struct {
		name string
		max  int
		want int
	}{
		{"explicit", 2, 2},
		{"sshd default", 0, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := passwordDevice(t, sshsim.Config{MaxSessions: tc.max})
			c := mustDial(t, srv)
			var open []*ssh.Session
			t.Cleanup(func() {
				for _, s := range open {
					_ = s.Close()
				}
			})
			for i := range tc.want {
				s, err := c.NewSession()
				if err != nil {
					t.Fatalf("session %d of %d: %v", i+1, tc.want, err)
				}
				open = append(open, s)
			}
			_, err := c.NewSession()
			var oce *ssh.OpenChannelError
			if !errors.As(err, &oce) || oce.Reason != ssh.ConnectionFailed {
				t.Fatalf("session %d = %v, want rejected with ConnectionFailed (as sshd)", tc.want+1, err)
			}
			if got := srv.Stats().MaxConcurrentChannels; got != tc.want {
				t.Errorf("MaxConcurrentChannels = %d, want %d", got, tc.want)
			}

			// The limit is per connection: a second login gets its own.
			if s, err := mustDial(t, srv).NewSession(); err != nil {
				t.Fatalf("session on a second connection: %v", err)
			} else {
				_ = s.Close()
			}

			// Closing one frees its slot.
			if err := open[0].Close(); err != nil {
				t.Fatal(err)
			}
			open = open[1:]
			waitSessionSlot(t, c)
		})
	}
}

func TestOnlySessionChannels(t *testing.T) {
	srv := passwordDevice(t, sshsim.Config{})
	c := mustDial(t, srv)
	_, _, err := c.OpenChannel("direct-tcpip", nil)
	var oce *ssh.OpenChannelError
	if !errors.As(err, &oce) || oce.Reason != ssh.UnknownChannelType {
		t.Fatalf("direct-tcpip = %v, want UnknownChannelType", err)
	}
}
