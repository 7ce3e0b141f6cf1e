package probes

// Cause is a failed check that kept others from running, and their IDs.
type Cause struct {
	Result
	// Blocks are the IDs of the checks blocked by this one, in order.
	Blocks []string
}

// RootCauses returns the results that other results are blocked by, in
// their order, each with the IDs it blocks. A blocked result whose root
// cause is not among results is left out.
func RootCauses(results []Result) []Cause {
	blocks := map[string][]string{}
	for _, r := range results {
		if r.BlockedBy != "" {
			blocks[r.BlockedBy] = append(blocks[r.BlockedBy], r.ID)
		}
	}
	var out []Cause
	for _, r := range results {
		if b := blocks[r.ID]; len(b) > 0 {
			out = append(out, Cause{Result: r, Blocks: b})
		}
	}
	return out
}

// RootCausesFirst returns results in the order an operator should read
// them: the root causes (see RootCauses) first, then the others in their
// order. results is not changed.
func RootCausesFirst(results []Result) []Result {
	causes := RootCauses(results)
	out := make([]Result, 0, len(results))
	first := make(map[string]bool, len(causes))
	for _, c := range causes {
		out = append(out, c.Result)
		first[c.ID] = true
	}
	for _, r := range results {
		if !first[r.ID] {
			out = append(out, r)
		}
	}
	return out
}
