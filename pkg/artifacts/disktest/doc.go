// Package disktest gives tests of a tool's output directory a file system
// that cannot take the output: a small tmpfs filled to the brim, or one
// mounted read-only. Mounting needs root (CAP_SYS_ADMIN); where it is not
// permitted the test is skipped, and the simulated write errors of
// package artifacts' own tests cover the same code.
package disktest
