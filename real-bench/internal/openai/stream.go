package openai

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// event is one SSE data line of a completions stream.
type event struct {
	t            float64 // client clock, taken when the line was read
	choice       bool    // carries a choice (text, possibly empty)
	text         string
	finish       string
	usage        *usage
	cumCompleted int // vLLM continuous usage: completion tokens so far (-1 if absent)
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

type chunkJSON struct {
	Choices []struct {
		Text         *string `json:"text"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *usage `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// errNoDone is a stream that ended without [DONE].
var errNoDone = errors.New("stream ended before [DONE]")

// readStream reads SSE events until [DONE]. now stamps each data line
// as soon as it is complete, before it is decoded. Lines may be split across reads and several
// events may share one read; comments (":") and event: lines are skipped.
func readStream(r io.Reader, now func() float64) ([]event, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []event
	for {
		line, err := br.ReadString('\n')
		if err != nil && err != io.EOF {
			return out, fmt.Errorf("stream read: %w", err)
		}
		if data, ok := strings.CutPrefix(line, "data:"); ok {
			t := now() // as soon as the line is complete, before decoding
			data = strings.TrimSpace(data)
			if data == "[DONE]" {
				return out, nil
			}
			if err == io.EOF {
				return out, errNoDone // a line cut off mid-way
			}
			ev, perr := parseEvent(data)
			if perr != nil {
				return out, perr
			}
			ev.t = t
			out = append(out, ev)
		}
		if err == io.EOF {
			return out, errNoDone
		}
	}
}

func parseEvent(data string) (event, error) {
	var c chunkJSON
	dec := json.NewDecoder(bytes.NewReader([]byte(data)))
	if err := dec.Decode(&c); err != nil {
		return event{}, fmt.Errorf("malformed chunk %.80q: %v", data, err)
	}
	if c.Error != nil {
		return event{}, fmt.Errorf("server error in stream: %s", c.Error.Message)
	}
	ev := event{usage: c.Usage, cumCompleted: -1}
	if len(c.Choices) > 0 {
		ev.choice = true
		if c.Choices[0].Text != nil {
			ev.text = *c.Choices[0].Text
		}
		if c.Choices[0].FinishReason != nil {
			ev.finish = *c.Choices[0].FinishReason
		}
		if c.Usage != nil {
			// A usage object on a choice chunk is vLLM's continuous usage
			// (or llama.cpp's final usage): cumulative completion tokens.
			ev.cumCompleted = c.Usage.CompletionTokens
		}
	}
	return ev, nil
}

// Timing says how token times were derived from chunks.
const (
	TimingExact      = "exact"
	TimingOnePerStep = "one_per_step"
	TimingInferred   = "inferred"
)

// attribution is the outcome of mapping chunks to tokens.
type attribution struct {
	times         []float64 // one per output token
	chunks        []int     // per token: index of the choice chunk that carried it
	timing        string
	prefillChunks int // choice chunks before the first token (Sarathi's partial prefills)
	usage         *usage
	finish        string
}

func (a *attribution) add(chunk int, t float64) {
	a.chunks = append(a.chunks, chunk)
	a.times = append(a.times, t)
}

// attribute maps a stream's chunks to output tokens by the profile's rule
// (serving-semantics.md §2.3, §7.1). want is the requested token count.
func attribute(evs []event, profile string, want int) (attribution, error) {
	var a attribution
	var choices []event
	for _, e := range evs {
		if e.usage != nil {
			a.usage = e.usage
		}
		if e.choice {
			choices = append(choices, e)
			if e.finish != "" {
				a.finish = e.finish
			}
		}
	}
	// vLLM's continuous usage counts the tokens of every chunk exactly.
	if continuous(choices) {
		prev := 0
		for i, e := range choices {
			for k := prev; k < e.cumCompleted; k++ {
				a.add(i, e.t)
			}
			if e.cumCompleted > prev {
				prev = e.cumCompleted
			} else if len(a.times) == 0 {
				a.prefillChunks++
			}
		}
		a.timing = TimingExact
		return a, nil
	}
	n, known := want, true
	switch {
	case a.usage != nil:
		n = a.usage.CompletionTokens
	case a.finish == "length":
		// No usage, but the server stopped at max_tokens: want tokens.
	default:
		known = false
	}
	if profile == ProfileSarathi && known {
		return sarathi(a, choices, n)
	}
	return generic(a, choices, n, known)
}

// sarathi applies Sarathi-Serve's rule: one chunk per engine step for
// every scheduled request and at most one token per step, so the last n
// choice chunks are the tokens and earlier ones are prefill progress
// (serving-semantics.md §3.3). If a chunk before them carries text the rule
// does not hold and the timing is flagged inferred.
func sarathi(a attribution, choices []event, n int) (attribution, error) {
	if n > len(choices) {
		return a, fmt.Errorf("usage reports %d tokens but the stream has only %d chunks", n, len(choices))
	}
	a.prefillChunks = len(choices) - n
	a.timing = TimingOnePerStep
	for i, e := range choices {
		if i < a.prefillChunks {
			if e.text != "" {
				a.timing = TimingInferred
			}
			continue
		}
		a.add(i, e.t)
	}
	return a, nil
}

// generic maps tokens to chunks when nothing says how many each carries.
// Leading empty chunks are prefill progress (a chunked prefill, a role
// chunk). After the first text, an empty chunk is most likely a token
// whose text was held back or is a special token (serving-semantics.md §2.3).
func generic(a attribution, choices []event, n int, known bool) (attribution, error) {
	first := -1
	var text []int // indices of chunks with text
	for i, e := range choices {
		if e.text != "" {
			if first < 0 {
				first = i
			}
			text = append(text, i)
		}
	}
	if first < 0 {
		if n > 0 && known {
			return a, fmt.Errorf("%d tokens reported but no chunk carried text", n)
		}
		a.prefillChunks = len(choices)
		return a, nil
	}
	a.prefillChunks = first
	if !known {
		// Neither usage nor finish_reason "length": one token per text chunk.
		n = len(text)
		a.timing = TimingInferred
	}
	after := len(choices) - first
	switch {
	case len(text) == n:
		for _, i := range text {
			a.add(i, choices[i].t)
		}
		if a.timing == "" {
			a.timing = TimingExact
		}
		return a, nil
	case after == n:
		for i := first; i < len(choices); i++ {
			a.add(i, choices[i].t)
		}
	case len(text) > n:
		// More text chunks than tokens: the first n.
		for _, i := range text[:n] {
			a.add(i, choices[i].t)
		}
	default:
		// More tokens than text chunks (merged deltas): each chunk gets
		// one, the surplus goes to the last, so TTFT and completed_at stay
		// the observed ones and the surplus shows as 0 s gaps.
		for _, i := range text {
			a.add(i, choices[i].t)
		}
		last := text[len(text)-1]
		for len(a.times) < n {
			a.add(last, choices[last].t)
		}
	}
	a.timing = TimingInferred
	return a, nil
}

// chunkSizes counts the tokens of each chunk that carried any, in order.
func chunkSizes(chunks []int) []int {
	var out []int
	for k, c := range chunks {
		if k > 0 && chunks[k-1] == c {
			out[len(out)-1]++
			continue
		}
		out = append(out, 1)
	}
	return out
}

func continuous(choices []event) bool {
	if len(choices) == 0 {
		return false
	}
	for _, e := range choices {
		if e.cumCompleted < 0 {
			return false
		}
	}
	return true
}
