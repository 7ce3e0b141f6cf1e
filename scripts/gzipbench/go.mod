module github.com/kumoup/kumoup/scripts/gzipbench

go 1.26.4

require (
	github.com/klauspost/compress v1.20.1
	github.com/kumoup/kumoup v0.0.0
)

replace github.com/kumoup/kumoup => ../..
