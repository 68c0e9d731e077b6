// Package launch runs a serving system as a child process: it starts the
// command in a process group of its own, sends its output to a log file,
// waits until the server answers over HTTP, and stops the whole group
// (SIGTERM, then SIGKILL after a grace period). On Linux the child is
// also killed by the kernel when the process that started it dies, so a
// crashed real-bench leaves no GPU server behind.
package launch
