package tokenizer

import (
	"reflect"
	"testing"
)

func TestQuick(t *testing.T) {
	tok, err := Load("../../tmp/models/qwen3-0.6b/source-data/tokenizer.json")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]int{
		"Hello world": {9707, 1879},
		"The quick brown fox jumps over the lazy dog.": {785, 3974, 13876, 38835, 34208, 916, 279, 15678, 5562, 13},
		"我喜欢用通义千问写代码。":                                 {109366, 11622, 31935, 64559, 99320, 56007, 61443, 46100, 1773},
		"I ❤️ 🦙!":                                      {40, 70470, 30543, 11162, 99, 247, 0},
		"def f(x):\n        return    x  +  1\n\n\n":   {750, 282, 2075, 982, 286, 470, 262, 856, 220, 488, 220, 220, 16, 1406},
		"<|im_start|>user\nHello<|im_end|>":            {151644, 872, 198, 9707, 151645},
	}
	for s, want := range cases {
		if got := tok.Encode(s); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %v want %v", s, got, want)
		}
	}
}
