// Package contract holds the contract test table that every provider type runs against
// wagov-sim: the same reads, writes, batch caps, error mappings, Retry-After handling,
// per-member outcomes and idempotent replays, so that every client keeps the promises the
// controller relies on. Each type adds one Case, in its own file, to the table.
package contract
