// Package agent is "collector serve": a long-running collector that runs the fleet on the
// inventory's schedule and collects single devices or groups on demand over a small HTTP API,
// for teams that want "collect core-sw1 now" from a ticket or a pipeline without a shell on the
// jump host.
//
// Every collection goes through internal/fleet.Run, exactly like "collector run", with the
// output directory's lock held by the agent for its whole life (so a cron job or a second agent
// cannot write there at the same time).
//
// Decisions an operator relies on:
//
//   - The API listens on loopback or a unix socket (created 0600) only, and every endpoint but
//     /healthz needs "Authorization: Bearer <token>" with the token from agent.token_file
//     (compared in constant time; re-read on reload).
//   - One collection per device at a time. An on-demand request naming a device that any run
//     is collecting (or is about to, in a scheduled run) is refused with 409 and the id of the
//     run that holds it; nothing of the request is started. A scheduled run skips the devices
//     busy with on-demand collections and says so in its run status. A run holds its devices
//     until its uploads are over too, so two runs never race on one asset's spool entry.
//   - HTTP status codes are about the request, not the devices: a collection whose device
//     failed is still "200 done", with the device's status and error in the report.
//   - Collections are not tied to the HTTP request: a client that disconnects while waiting
//     leaves the run going, and GET /v1/runs/{id} has its outcome.
//   - SIGHUP reloads the inventory. An inventory with problems (or an unreadable token file,
//     or a different output_dir, which the agent's lock is on) is refused, every problem is
//     logged, and the old inventory keeps running. A new listen address or socket needs a
//     restart. Runs in flight finish with the inventory they started with.
//   - Shutdown (SIGTERM/SIGINT, or the context passed to Run): no new requests and no new
//     runs; runs in flight are cancelled, which cuts sessions short, keeps every staged file in
//     the spool and writes their reports marked interrupted; requests waiting on them get those
//     reports. Then the lock is released.
//   - /healthz is liveness: 200 "ok" while the API serves. A refused reload does not make the
//     agent unhealthy (it runs the old inventory); it shows in /v1/status and in the
//     oca_collector_agent_reload_failed gauge, which is what to alert on.
//   - /metrics serves the run metrics of internal/metrics; its "last run" gauges describe
//     whichever run finished last, an on-demand one included.
//   - Schedule "every D" runs D after the start of the previous scheduled run, remembered in
//     <output_dir>/agent-state.json across restarts (overdue or never run: at once). A cron
//     schedule fires at its next matching minute and does not catch up missed ones. A run that
//     outlasts its slot delays the next one; scheduled runs never overlap.
package agent
