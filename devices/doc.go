// Package devices is the inventory model: the YAML file an operator writes, decoded strictly,
// filled with defaults, resolved per device (device > groups > defaults) and validated with every
// problem reported at once as file:line:col. It also knows the built-in platforms and how to turn
// a credential reference (environment variable, file, key, agent) into a secret at the moment a
// device is contacted.
//
// The types here are data only: nothing in this package opens a connection.
package devices
