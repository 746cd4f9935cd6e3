// Package emulator is a local, in-memory stand-in for the Databricks Token
// API, served over real HTTP on the loopback interface. It exists so that
// dbtok's end-to-end tests, benchmarks and demos can exercise the real
// Databricks Go SDK without a workspace. It is test infrastructure: it keeps
// token values in memory in plain text and must never face a real network.
//
// # Serving
//
// [New] builds an [*Emulator], which is an [http.Handler]. [Start] serves one
// on 127.0.0.1 with an ephemeral port and [Listen] on a chosen address; both
// return a [*Server] whose URL is the workspace host to give the SDK.
// [Server.Close] stops the listener, aborts hung or delayed requests and waits
// for in-flight handlers to return.
//
// # Emulated API
//
// Every API response is JSON unless a fault says otherwise. Errors use the Databricks shape
// {"error_code": "...", "message": "..."}; the one deliberate exception is an
// unknown, revoked or expired bearer token, which gets
// 403 {"error_code": 403, "message": "Invalid access token."} with a numeric
// code, as the real legacy endpoints send.
//
//	GET    /.well-known/databricks-config                 host metadata (no auth)
//	POST   /api/2.0/token/create                          {lifetime_seconds?, comment?}
//	GET    /api/2.0/token/list                            caller's live tokens
//	POST   /api/2.0/token/delete                          {token_id}
//	GET    /api/2.0/token-management/tokens               admin: all live tokens, ?created_by_id=&created_by_username=
//	GET    /api/2.0/token-management/tokens/{id}          admin
//	DELETE /api/2.0/token-management/tokens/{id}          admin
//	POST   /api/2.0/token-management/on-behalf-of/tokens  admin: {application_id, lifetime_seconds?, comment?}
//
// List responses omit the token_infos key entirely when there is nothing to
// list, as the real service does. A token is live until it is revoked or its
// expiry time passes on the emulator's clock (see [Emulator.Advance]).
// Each user's bootstrap token is an ordinary token of that user that never
// expires: it appears in their list, counts towards [Options.Quota] and can be
// revoked. On-behalf-of tokens belong to a service principal named by the
// application ID, created on first use; it authenticates like any user but is
// never an admin. Principal IDs are derived from the name, so they are stable
// across runs.
//
// When lifetime_seconds is absent the token gets [Options.DefaultLifetime],
// capped at [Options.MaxLifetime] unless the default is negative (never
// expires).
//
// # Faults and latency
//
// [Emulator.AddFault] makes matching requests fail in a chosen way (error
// status, HTML page, malformed or empty body, dropped or truncated
// connection, or a request that never gets an answer), optionally after the
// real handler has done its work. A fault whose Path is empty matches every
// path except the /.well-known/databricks-config discovery endpoint, because
// the SDK fetches that itself during configuration and would otherwise use up
// faults meant for the API; give "*" or the exact path to target it.
// [Emulator.Requests] records which fault served each request in
// [Request.Fault]: the fault's Name if it has one, otherwise its kind ("status"
// for plain errors) followed by the status sent, if any, and " after" for
// after-faults, e.g. "status 503", "html 502", "drop", "drop-mid 200 after".
//
// # Control endpoints
//
// Other processes (shell demos, benchmarks, helpers in other test binaries)
// steer the emulator through unauthenticated test-only endpoints that answer
// only loopback clients and are neither recorded nor subject to faults:
//
//	GET    /__emulator/state           {"now_ms": N, "users": {"<name>": {"id": N, "admin": B, "service_principal": B, "tokens": [TokenInfo...]}}}
//	GET    /__emulator/requests        [{"time", "method", "path", "raw_query", "status", "user", "body", "fault", "duration_ns", "done"}...]
//	POST   /__emulator/reset-requests  {}
//	POST   /__emulator/faults          a Fault as JSON (see below) -> {}
//	DELETE /__emulator/faults          {}
//	POST   /__emulator/latency         {"latency": "50ms"} -> {}
//	POST   /__emulator/advance         {"duration": "48h"} -> {"now_ms": N}
//	GET    /__emulator/issued          ["dapi...", ...] every value ever issued, bootstrap tokens included
//
// A fault in JSON uses the snake_case names of the [Fault] fields:
// {"name", "method", "path", "count", "skip", "status", "body", "retry_after",
// "kind", "after", "delay"}. Durations (delay, latency, duration) are either
// strings accepted by [ParseDuration], such as "50ms", "48h" or "2d", or
// plain numbers of milliseconds.
//
// # Command
//
// [Main] implements the dbtok-emulator command; run it with -h for its flags.
// Without --user it serves a single admin user [DemoUser] whose bootstrap
// token is [DemoToken].
package emulator
