package artifacts

import "fmt"

// SchemaVersion is the artifact schema this build reads and writes. A
// breaking change to any file's meaning bumps it; adding an optional column
// does not.
const SchemaVersion = 1

// ToolVersion is the version every tool reports and records in its
// metadata files.
const ToolVersion = "0.1.0"

// checkSchemaVersion returns an error naming path when v is not a version
// this build understands.
func checkSchemaVersion(path string, v int) error {
	switch {
	case v == 0:
		return &FileError{Path: path, Err: fmt.Errorf("missing schema_version (this build reads %d)", SchemaVersion)}
	case v != SchemaVersion:
		return &FileError{Path: path, Err: fmt.Errorf("unsupported schema_version %d (this build reads %d); use tools of the matching version", v, SchemaVersion)}
	}
	return nil
}
