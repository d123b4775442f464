// Package fleet runs one collection the way every entry point needs it: take the output
// directory's lock, prepare the uploader and spool, run the collector over the targets, and
// write the report. "collector run", the demo and the agent's scheduled and on-demand runs all
// go through Run, so they cannot drift apart.
package fleet
