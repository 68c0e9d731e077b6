// Command gentrace writes a synthetic Vidur trace-replay CSV for the
// benchmarks (scripts/bench/sim_*.sh): Poisson arrivals, prefill and
// decode lengths uniform in the shared reference trace's ranges
// (16..1500 and 8..400), from a fixed seed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	n := flag.Int("n", 10000, "requests")
	qps := flag.Float64("qps", 3, "mean arrival rate (requests/s)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 2))
	w := bufio.NewWriter(os.Stdout)
	fmt.Fprintln(w, "arrived_at,num_prefill_tokens,num_decode_tokens")
	t := 0.0
	for range *n {
		t += r.ExpFloat64() / *qps
		fmt.Fprintf(w, "%s,%d,%d\n", strconv.FormatFloat(t, 'f', 6, 64), 16+r.IntN(1485), 8+r.IntN(393))
	}
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, "gentrace:", err)
		os.Exit(1)
	}
}
