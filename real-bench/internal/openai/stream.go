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
// before it is decoded. Lines may be split across reads and several
// events may share one read; comments (":") and event: lines are skipped.
func readStream(r io.Reader, now func() float64) ([]event, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var out []event
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			t := now()
			line = strings.TrimRight(line, "\r\n")
			if strings.HasPrefix(line, "data:") {
				data := strings.TrimSpace(strings.TrimPrefix(line, "data:"))
				if data == "[DONE]" {
					return out, nil
				}
				ev, perr := parseEvent(data)
				if perr != nil {
					return out, perr
				}
				ev.t = t
				out = append(out, ev)
			}
		}
		if err == io.EOF {
			return out, errNoDone
		}
		if err != nil {
			return out, fmt.Errorf("stream read: %w", err)
		}
	}
}

func parseEvent(data string) (event, error) {
	var c chunkJSON
	dec := json.NewDecoder(bytes.NewReader([]byte(data)))
	if err := dec.Decode(&c); err != nil {
		return event{}, fmt.Errorf("bad stream chunk %.80q: %v", data, err)
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
	timing        string
	prefillChunks int // chunks before the first token (Sarathi's partial prefills)
	usage         *usage
	finish        string
}

// attribute maps a stream's chunks to output tokens by the profile's
// rule (serving-bench.md §7.1). want is the requested token count, used
// when the server sends no usage and ignores EOS.
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
	n := want
	if a.usage != nil {
		n = a.usage.CompletionTokens
	}
	// vLLM's continuous usage counts tokens per chunk exactly.
	if continuous(choices) {
		prev := 0
		for _, e := range choices {
			for k := prev; k < e.cumCompleted; k++ {
				a.times = append(a.times, e.t)
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
	switch profile {
	case "sarathi":
		// One chunk per engine step and at most one token per step: the
		// last n choice chunks are the tokens, earlier ones are prefill
		// progress.
		if n > len(choices) {
			return a, fmt.Errorf("%d tokens but only %d chunks", n, len(choices))
		}
		a.prefillChunks = len(choices) - n
		for _, e := range choices[a.prefillChunks:] {
			a.times = append(a.times, e.t)
		}
		a.timing = TimingOnePerStep
		return a, nil
	}
	var nonEmpty []event
	for _, e := range choices {
		if e.text != "" {
			nonEmpty = append(nonEmpty, e)
		} else if len(nonEmpty) == 0 {
			a.prefillChunks++
		}
	}
	switch {
	case len(nonEmpty) == n:
		for _, e := range nonEmpty {
			a.times = append(a.times, e.t)
		}
		a.timing = TimingExact
	case len(nonEmpty) == 0 && n > 0:
		return a, fmt.Errorf("%d tokens reported but no chunk carried text", n)
	case len(nonEmpty) < n:
		// More tokens than text chunks: each chunk gets one, the surplus
		// goes to the last chunk (tokens held back and flushed together).
		for _, e := range nonEmpty {
			a.times = append(a.times, e.t)
		}
		last := nonEmpty[len(nonEmpty)-1].t
		for len(a.times) < n {
			a.times = append(a.times, last)
		}
		a.timing = TimingInferred
	default:
		// More text chunks than tokens (usage absent or short): keep the
		// first n.
		for _, e := range nonEmpty[:n] {
			a.times = append(a.times, e.t)
		}
		a.timing = TimingInferred
	}
	return a, nil
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
