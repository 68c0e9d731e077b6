module github.com/simcheck/simcheck/scripts/reference/tokenizer/sugarme

go 1.26.0

require (
	github.com/dlclark/regexp2 v1.11.5
	github.com/sugarme/tokenizer v0.3.0
	golang.org/x/text v0.43.0
)

require (
	github.com/emirpasic/gods v1.18.1 // indirect
	github.com/mitchellh/colorstring v0.0.0-20190213212951-d06e56a500db // indirect
	github.com/rivo/uniseg v0.4.7 // indirect
	github.com/schollz/progressbar/v2 v2.15.0 // indirect
	github.com/sugarme/regexpset v0.0.0-20200920021344-4d4ec8eaf93c // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
