// Package collector runs a fleet: it dials every selected device over SSH (deadlines on every
// step, host keys verified), runs its command set, keeps a per-command transcript, renders the
// bulk file OCA ingests and hands each finished file to an Uploader while the rest of the fleet
// is still being collected.
//
// Workers return data (DeviceResult); the caller decides how to present it. A device's failure
// is a value in its result, never a reason to stop the fleet.
package collector
