package metrics

import (
	"io"
)

// blockSize is the unit a whole exposition is read in.
const blockSize = 1 << 20

// keepBlocks is how many blocks a blockBuffer keeps between reads: enough
// for a usual exposition, not the largest one ever read.
const keepBlocks = 8

// blockBuffer reads a body whole in fixed-size blocks, so that reading n
// bytes allocates n bytes (rounded up to a block), never the doubling of a
// growing slice, and a body refused at its cap costs the cap, not twice it.
type blockBuffer struct {
	blocks [][]byte
	whole  []byte // the last body joined, reused while it fits
}

// readAll reads r to its end and returns its bytes, valid until the next
// call. On an error it returns what the reader said.
func (bb *blockBuffer) readAll(r io.Reader) ([]byte, error) {
	defer bb.trim()
	n, used := 0, 0
	for {
		if used == len(bb.blocks) {
			bb.blocks = append(bb.blocks, make([]byte, blockSize))
		}
		blk := bb.blocks[used]
		fill := 0
		for fill < len(blk) {
			m, err := r.Read(blk[fill:])
			fill += m
			n += m
			if err == io.EOF {
				return bb.join(used, fill, n), nil
			}
			if err != nil {
				return nil, err
			}
		}
		used++
	}
}

// join returns the first n bytes read: the first block itself when they fit
// in it, else a copy of the blocks into one slice (full blocks, then last
// bytes of the last one).
func (bb *blockBuffer) join(last, fill, n int) []byte {
	if last == 0 {
		return bb.blocks[0][:fill]
	}
	if cap(bb.whole) < n {
		bb.whole = make([]byte, 0, n)
	}
	w := bb.whole[:0]
	for i := range last {
		w = append(w, bb.blocks[i]...)
	}
	w = append(w, bb.blocks[last][:fill]...)
	bb.whole = w
	return w
}

// trim drops the blocks past keepBlocks and a joined buffer larger than
// they hold, so one large read is not kept for the life of the Scraper.
func (bb *blockBuffer) trim() {
	if len(bb.blocks) > keepBlocks {
		clear(bb.blocks[keepBlocks:])
		bb.blocks = bb.blocks[:keepBlocks]
	}
	if cap(bb.whole) > keepBlocks*blockSize {
		bb.whole = nil
	}
}
