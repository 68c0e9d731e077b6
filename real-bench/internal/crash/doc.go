// Package crash finds the runs real-bench left behind when its process
// died: temporary run directories that still hold a journal whose writer
// is gone.
package crash
