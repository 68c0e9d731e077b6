// Package report writes a comparison's tables (tables/*.csv) and the
// summary.md a researcher reads first.
package report
