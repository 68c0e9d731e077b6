package des

// Time is simulated time in seconds since the start of the simulation.
//
// It is a float64, not an integer tick, on purpose: Python Vidur keeps
// float seconds and adds each stage's predicted duration to the clock, and
// vidur-sim must reproduce its timestamps bit for bit (the reference test
// compares request metrics float-exactly). Integer ticks would round.
type Time float64
