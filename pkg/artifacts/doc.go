// Package artifacts defines every file the pipeline's tools exchange: the
// workload directory, the run directory shared by real and simulated runs,
// the profiling bundle's metadata and the comparison tables.
//
// Tools never hand-roll a CSV header or a JSON field name: they read and
// write through this package, so a column can only mean one thing. The
// derived request metrics (TTFT, TPOT, E2E, normalised latencies) are
// computed here from raw timestamps for the same reason: a real run and a
// simulated run can never use two definitions.
//
// # Reading rules
//
// Readers accept extra columns (users hand-edit artifacts), reject missing
// or malformed required ones with a [*FileError] naming file, line and
// column, and check schema_version in every JSON document. Nothing here
// panics on bad input; the fuzz tests hold that line.
//
// # Writing rules
//
// Floats are written with the shortest representation that round-trips
// ('g', -1), so write(read(x)) == x byte for byte. Directories are built
// under a temporary name and renamed into place ([Dir]), so a failed run
// never leaves a half-written directory under its final name.
//
// The package depends on the standard library only.
package artifacts
