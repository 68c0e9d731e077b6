package gen

import (
	"math/rand/v2"
	"strings"
)

// words is the vocabulary of the built-in text: common English words, so
// prompts tokenize like ordinary prose (about 1.3 tokens per word), not
// like random bytes.
var words = strings.Fields(`
the of and to in is was for that with as on by at from his her an be this which
or had are but not they have one were all their there been has when who would
more will into no if out so said what up its about than them can only other time
new some could these two may first then do any like my now over such our man me
even most made after also did many before must through back years where much your
way well down should because each just those people how too little state good very
make world still own see men work long get here between both life being under never
day same another know while last might us great old year off come since against go
came right used take three system model memory token request batch server latency
queue cache layer weight kernel device network engine compute result value number
table paper study method measure data report section figure question answer simple
large small early late fast slow high low open close start end first second third
river mountain city garden window morning evening winter summer letter music story
history science market energy travel water light house family school friend animal
`)

// builtinText writes about n tokens of sentence-shaped text.
func builtinText(r *rand.Rand, n int) string {
	var b strings.Builder
	approxTokens := 0
	for approxTokens < n {
		length := 6 + r.IntN(13)
		for i := 0; i < length; i++ {
			w := words[r.IntN(len(words))]
			if i == 0 {
				if b.Len() > 0 {
					b.WriteByte(' ')
				}
				w = strings.ToUpper(w[:1]) + w[1:]
			} else {
				b.WriteByte(' ')
			}
			b.WriteString(w)
			if i > 2 && i < length-2 && r.IntN(9) == 0 {
				b.WriteByte(',')
				approxTokens++
			}
			approxTokens++
		}
		b.WriteByte('.')
		approxTokens++
	}
	return b.String()
}
