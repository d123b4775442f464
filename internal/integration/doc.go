// Package integration runs the collector binary, exactly as an operator would, against Debian's
// real OpenSSH sshd on loopback (internal/sshdtest) and an in-process fake OCA gateway
// (internal/fakegateway). The unit tests meet our own SSH simulator; these meet the server the
// collector will face in production, with its real authentication, host keys, channel limits and
// process handling, so a misunderstanding of OpenSSH shows up here and not on a customer's fleet.
//
// The package holds only tests. They need root and openssh-server, and skip with the harness's
// reason where those are missing.
package integration
