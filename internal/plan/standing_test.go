package plan

import (
	"fmt"
	"hash/maphash"
	"testing"

	"github.com/wagov/wagov/internal/roster"
)

// TestHashPhoneSpreadsNumbersThatShareAPrefix checks that numbers alike but for a few digits
// (one country, one carrier) fill a plan's table evenly under every seed: a hash that reads
// only some of the digits, or mixes them too little, puts them in a few runs of slots, and a
// 1024-member plan then takes milliseconds. The seed is drawn per process, so the test draws
// many.
func TestHashPhoneSpreadsNumbersThatShareAPrefix(t *testing.T) {
	formats := []string{"3361%07d", "4477%08d", "1%06d", "%d", "55119%08d", "91%010d", "%08d"}
	for range 64 {
		h := newPhoneHash(maphash.MakeSeed())
		for _, format := range formats {
			const n, size = 1024, 4096
			slots := map[uint64]bool{}
			for i := range n {
				slots[h.sum(roster.Phone(fmt.Sprintf(format, i)))&(size-1)] = true
			}
			// Random slots would fill about size*(1-(1-1/size)^n), 906 of them, give or take 9.
			if len(slots) < 850 {
				t.Fatalf("%s: %d numbers take %d of %d slots, want about 906", format, n, len(slots), size)
			}
		}
	}
}
