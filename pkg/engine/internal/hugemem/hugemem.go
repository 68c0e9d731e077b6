// Package hugemem allocates the large arrays that are streamed from
// memory (the CPU backend's weights and KV cache, the bandwidth reads that
// set their floors) so that the kernel may back them with 2 MiB
// transparent huge pages. Read through 4 KiB pages, a stream over
// gigabytes misses the TLB every 4 KiB, which a virtual machine's nested
// page walk makes costly; 2 MiB pages cut the misses 512-fold.
package hugemem

// Huge is the huge-page size: a request under it is served from the Go
// heap.
const Huge = 2 << 20
