// Package emulator is a local, in-memory model of a Databricks workspace
// as far as personal access tokens reach: the Token and token-management
// APIs, token permissions, workspace settings, SCIM identities and secret
// scopes, served over real HTTP on the loopback interface. dbtok's
// end-to-end tests, benchmarks and demos run against it, and so can the
// official Databricks CLI and the Terraform provider. It models the
// workspace, not dbtok: where in doubt, the public REST API reference and
// the Go SDK's request and response types decide. It is test
// infrastructure: it keeps token and secret values in memory in plain text
// and must never face a real network.
//
// # Serving
//
// [New] builds an [*Emulator], which is an [http.Handler]. [Start] serves one
// on 127.0.0.1 with an ephemeral port and [Listen] on a chosen address; both
// return a [*Server] whose URL is the workspace host to give the SDK.
// [Server.Close] stops the listener, aborts hung or delayed requests and waits
// for in-flight handlers to return. [Main] implements the dbtok-emulator
// command; run it with -h for its flags. Without --user (or --state) it
// serves a single admin user [DemoUser] whose bootstrap token is [DemoToken].
//
// # Endpoints
//
// Requests are routed by [net/http.ServeMux] method and path patterns; each
// API has its own file (api_*.go). Every endpoint but discovery needs a
// bearer token, checked before routing, so an unknown path with a bad token
// gets 401 or 403, not 404. An unknown path then gets 404 ENDPOINT_NOT_FOUND
// and a wrong method 405 METHOD_NOT_ALLOWED with an Allow header.
//
//	Discovery (no authentication)
//	GET    /.well-known/databricks-config                  host metadata: workspace_id, cloud, oidc_endpoint
//
//	Token API (scope authentication)
//	POST   /api/2.0/token/create                           {lifetime_seconds?, comment?, scopes?, autoscope_enabled?}
//	GET    /api/2.0/token/list                             the caller's tokens, expired ones included
//	POST   /api/2.0/token/delete                           {token_id}: a valid token of the caller
//	PATCH  /api/2.0/token/{token_id}                       {token: {comment?, scopes?}, update_mask: "comment,scopes"} -> {}
//
//	Token management, admins only (scope authentication); also under /api/2.0/preview/token-management/
//	GET    /api/2.0/token-management/tokens                ?created_by_id=&created_by_username=
//	GET    /api/2.0/token-management/tokens/{token_id}     {token_info}
//	PATCH  /api/2.0/token-management/tokens/{token_id}     as the Token API's PATCH -> the updated TokenInfo
//	DELETE /api/2.0/token-management/tokens/{token_id}     any held token, expired ones included
//	POST   /api/2.0/token-management/on-behalf-of/tokens   {application_id, lifetime_seconds?, comment?, scopes?, autoscope_enabled?}
//
//	Token permissions (scope access-management)
//	GET    /api/2.0/permissions/authorization/tokens                   admins
//	PUT    /api/2.0/permissions/authorization/tokens                   admins: replace the ACL
//	PATCH  /api/2.0/permissions/authorization/tokens                   admins: add or change entries
//	GET    /api/2.0/permissions/authorization/tokens/permissionLevels  CAN_USE, CAN_MANAGE
//
//	Workspace settings (scope settings)
//	GET    /api/2.0/workspace-conf?keys=maxTokenLifetimeDays,enableTokensConfig,enableIpAccessLists
//	PATCH  /api/2.0/workspace-conf                         admins: {"maxTokenLifetimeDays": "90", ...} -> 204
//
//	SCIM (scope scim; Me under every scope)
//	GET    /api/2.0/preview/scim/v2/Me
//	GET    /api/2.0/preview/scim/v2/Users                  ?filter=&startIndex=&count=&sortBy=&sortOrder=&attributes=&excludedAttributes=
//	GET    /api/2.0/preview/scim/v2/Users/{id}
//	POST   /api/2.0/preview/scim/v2/Users                  admins: {userName, displayName?, groups?}
//	DELETE /api/2.0/preview/scim/v2/Users/{id}             admins: the user's tokens and token permission go too
//	GET    /api/2.0/preview/scim/v2/ServicePrincipals      as Users; filter on applicationId, displayName, id
//	GET    /api/2.0/preview/scim/v2/ServicePrincipals/{id}
//	POST   /api/2.0/preview/scim/v2/ServicePrincipals      admins: {applicationId?, displayName?, groups?}
//	DELETE /api/2.0/preview/scim/v2/ServicePrincipals/{id} admins, as for users
//
//	Secrets (scope secrets)
//	POST   /api/2.0/secrets/scopes/create                  {scope, initial_manage_principal?: "users"}
//	GET    /api/2.0/secrets/scopes/list
//	POST   /api/2.0/secrets/scopes/delete                  {scope}
//	POST   /api/2.0/secrets/put                            {scope, key, string_value | bytes_value (base64)}
//	GET    /api/2.0/secrets/list?scope=                    metadata: key, last_updated_timestamp
//	GET    /api/2.0/secrets/get?scope=&key=                {key, value (base64)}
//	POST   /api/2.0/secrets/delete                         {scope, key}
//	GET    /api/2.0/secrets/acls/list?scope=               the access the emulator grants (see below)
//
// # Fidelity
//
// Errors use the Databricks shape {"error_code": "...", "message": "..."}
// (SCIM endpoints the SCIM one: {"schemas", "detail", "status", "scimType"}).
// An unknown, revoked or expired bearer token gets
// 403 {"error_code": 403, "message": "Invalid access token."} with a numeric
// code, as the real legacy endpoints send; no credential gets 401
// UNAUTHENTICATED. List responses omit token_infos (and secrets, scopes,
// Resources) when there is nothing to list.
//
//   - Token IDs are the SHA-256 hex of the value, bootstrap tokens included
//     ([TokenID]). Values are "dapi" and 32 hex digits.
//   - Expired tokens stay in both lists and in token-management get, with
//     their expiry_time, until deleted; they stop authenticating at expiry.
//     The Token API deletes only valid tokens: an unknown or expired ID gets
//     404 RESOURCE_DOES_NOT_EXIST "No valid token with ID ... found." Admins
//     delete expired tokens through token management. Held tokens, expired
//     ones included, count towards the per-principal quota ([Options.Quota],
//     600; QUOTA_EXCEEDED).
//   - Each authenticated request records the token's last use; token
//     management shows it as last_used_day (UTC day, epoch ms), the
//     caller's own list does not. A token unused for 90 days
//     ([Options.UnusedRevocation]) is revoked, whatever its expiry, counted
//     from its last use or else its creation. The rule is applied lazily on
//     the emulator's clock, so [Emulator.Advance] triggers it. Seeded tokens
//     without a last use start that clock when they are seeded.
//   - Lifetimes: lifetime_seconds <= 0 is refused ("requirement failed:
//     Invalid timeout: 0"); over the workspace maximum (maxTokenLifetimeDays)
//     or the platform cap of 730 days gets 400 INVALID_PARAMETER_VALUE.
//     Without a lifetime a token gets [Options.DefaultLifetime] capped at
//     the maximum.
//   - Token permissions: a principal needs CAN_USE (granted to the users
//     group by default; admins always have CAN_MANAGE) to create, list,
//     delete or authenticate with PATs, otherwise 403 PERMISSION_DENIED
//     "User does not have permission to use tokens." Only the admins group
//     may hold CAN_MANAGE ("Only admins can be given CAN_MANAGE permission on
//     tokens"); naming nobody gets "Principal: UserName(x) does not exist".
//     Taking the permission away revokes the principal's tokens at once, as
//     the documentation warns. An on-behalf-of token's service principal
//     needs CAN_USE too.
//   - workspace-conf values are strings; unset keys are null, and no key
//     can be unset again. maxTokenLifetimeDays "0" means no workspace
//     maximum, otherwise 1-730; booleans take true or false in any case
//     and keep the spelling given ("TRue"). Unknown keys get 400
//     INVALID_PARAMETER_VALUE `Invalid keys: ["a","b"]` (all of them, on
//     GET and PATCH, before any value is checked); refused values,
//     "" included, 400 INVALID_REQUEST `Some values are not allowed:
//     {"maxTokenLifetimeDays":""}`. Both messages are as users quote them
//     and the Terraform provider parses them; the codes are guesses (the
//     second is the provider's test fixture's). A refused PATCH changes
//     nothing. enableTokensConfig "false" refuses every PAT (403
//     PERMISSION_DENIED "Personal access tokens are disabled for this
//     workspace.", the emulator's wording) and every create; OAuth tokens
//     ([User.OAuth]) still work, so an admin signed in that way can switch
//     tokens back on, and the old tokens work again.
//   - Scopes: a token created with scopes may call only the APIs they cover
//     (the mapping is in scopes.go and above; Me is allowed under every
//     scope; all-apis covers everything); a refusal is 403 PERMISSION_DENIED
//     "Provided access token does not have required scopes: NAME". Creating
//     tokens needs authentication, and a token with it may create tokens of
//     any scope. Unknown scope names are refused. An autoscoped token
//     (autoscope_enabled) is AUTOSCOPE_STATE_RUNNING for
//     [Options.AutoscopeObservation] (7 days; the real period is not
//     documented), may call anything meanwhile and records the scopes it
//     uses as inferred_scopes; then it is AUTOSCOPE_STATE_COMPLETED and
//     held to scopes plus inferred_scopes. An update of scopes to none is
//     refused, as it would widen the token.
//   - On-behalf-of tokens are created only for service principals the
//     workspace knows ([Options.ServicePrincipals], the --service-principal
//     flag, [Emulator.AddServicePrincipal], the control endpoint, or SCIM
//     create); an unknown application_id gets 404 RESOURCE_DOES_NOT_EXIST,
//     a user's name 400 INVALID_PARAMETER_VALUE. owner_id is the service
//     principal's ID.
//   - SCIM: Me describes a service principal as a user whose userName is
//     its application ID. Groups list admins (for admins) and the groups
//     given in [User.Groups]; users is implicit. Filters support eq, ne,
//     co, sw, ew, gt, ge, lt, le, pr, and, or and parentheses, ignoring
//     case. Lists page with startIndex and count (default 10000).
//     attributes narrows a resource, but id, schemas, userName and
//     applicationId are always returned (the Terraform provider relies on
//     getting applicationId without asking for it).
//   - Secrets: Databricks-backed scopes only; names of at most 128
//     alphanumeric characters, '-', '_', '.', '@'; at most 100 scopes, 1000
//     secrets per scope, 128 KiB per value. There are no stored ACLs: the
//     creator and admins may use a scope, everybody when it was created
//     with initial_manage_principal "users"; others get 403
//     PERMISSION_DENIED. An unknown scope is 404 RESOURCE_DOES_NOT_EXIST
//     "Scope x does not exist!", an existing one 400
//     RESOURCE_ALREADY_EXISTS. [Emulator.Secret] reads a stored value.
//   - Messages the emulator had to word itself (no public source gave the
//     service's exact text): tokens disabled, the scope refusal for PATs,
//     an unknown application_id, secret and SCIM details.
//
// # Faults, latency and rate limits
//
// [Emulator.AddFault] makes matching requests fail in a chosen way (error
// status, HTML page, malformed or empty body, dropped or truncated
// connection, a request that never gets an answer, a delay, a redirect to a
// chosen Location, an error echoing the request's bearer token, a list answer of
// hundreds of MB made as it is sent), optionally
// after the real handler has done its work. A fault whose Path is empty
// matches every path except the /.well-known/databricks-config discovery
// endpoint, because the SDK fetches that itself during configuration and
// would otherwise use up faults meant for the API; give "*" or the exact
// path to target it. [Emulator.Requests] records which fault served each
// request in [Request.Fault]: the fault's Name if it has one, otherwise its
// kind ("status" for plain errors) followed by the status sent, if any, and
// " after" for after-faults, e.g. "status 503", "html 502", "drop",
// "drop-mid 200 after", "redirect 307".
//
// [Options.RateLimit] (--rate-limit) gives each host name a token bucket;
// a request beyond it gets 429 REQUEST_LIMIT_EXCEEDED with Retry-After in
// whole seconds. The check costs nothing when no limit is set.
//
// # Control endpoints
//
// Other processes (shell demos, benchmarks, helpers in other test binaries)
// steer the emulator through unauthenticated test-only endpoints that answer
// only loopback clients and are neither recorded nor subject to faults:
//
//	GET    /__emulator/state           {"now_ms": N, "users": {"<name>": {"id", "admin", "service_principal", "tokens": [live TokenInfo...]}}}
//	GET    /__emulator/dump            the whole workspace as a State (see below), values included
//	GET    /__emulator/requests        [{"time", "method", "path", "raw_query", "status", "user", "body", "fault", "duration_ns", "done"}...]
//	POST   /__emulator/reset-requests  {}
//	POST   /__emulator/faults          a Fault as JSON (see below) -> {}
//	DELETE /__emulator/faults          {}
//	POST   /__emulator/latency         {"latency": "50ms"} -> {}
//	POST   /__emulator/rate-limit      {"per_second": 5, "burst": 5} (0: none) -> {}
//	POST   /__emulator/advance         {"duration": "48h"} -> {"now_ms": N}
//	POST   /__emulator/clock           {"now": "2030-01-01T00:00:00Z"} (forward only) -> {"now_ms": N}
//	GET    /__emulator/issued          ["dapi...", ...] every value ever handed out, bootstrap tokens included
//	POST   /__emulator/users           {"name", "token", "admin"?, "oauth"?, "display_name"?, "groups"?} -> {"id"}
//	POST   /__emulator/service-principals  {"application_id", "display_name"?, "token"?, "admin"?, "groups"?} -> {"id"}
//	POST   /__emulator/settings        {"maxTokenLifetimeDays": "90", ...} as an admin's PATCH -> the settings
//	POST   /__emulator/token-permissions/revoke  {"group_name"|"user_name"|"service_principal_name": "..."} -> {}
//	POST   /__emulator/seed            {"owner", "created_by"?, "comment"?, "token_id"?, "value"?, "age"?, "lifetime"? ("never"),
//	                                    "last_used_ago"?, "scopes"?, "autoscope_enabled"?, "autoscope_state"?, "inferred_scopes"?}
//	                                    -> {"token_value", "token_info"}; token_id may be any string, control characters included
//	POST   /__emulator/seed-bulk       {"owner", "count", "comment"?, "lifetime"?} -> {}
//	GET    /__emulator/secret?scope=&key=  {"value": base64}
//
// A fault in JSON uses the snake_case names of the [Fault] fields:
// {"name", "method", "path", "count", "skip", "status", "body", "retry_after",
// "kind", "after", "delay", "location"}; unknown fields are errors. Durations
// (delay, latency, duration, age, lifetime) are either strings accepted by
// [ParseDuration], such as "50ms", "48h" or "2d", or plain numbers of
// milliseconds.
//
// # State
//
// A [State] is the workspace as one JSON document: now, settings,
// token_permissions, users, service_principals, tokens (owner, created_by,
// value, token_id, comment, creation_time, expiry_time, last_used, scopes,
// autoscope fields, bootstrap) and secret_scopes. [Options.State] and
// --state load one; [Emulator.Dump], GET /__emulator/dump and --dump write
// one, so a demo or a bug report can be replayed.
//
// # Scale
//
// [Options.BulkUsers] (--bulk-users N) adds users user1..userN with tokens
// [BulkUserToken](i); [Emulator.SeedBulk] (--bulk-tokens USER=N, the
// seed-bulk endpoint) gives one principal hundreds of thousands of tokens in
// well under a second. Lists are encoded without reflection, and none of
// this costs the ordinary request path anything.
package emulator
