package plan

import (
	"fmt"
	"testing"

	"github.com/wagov/wagov/internal/roster"
)

// TestHashPhoneSpreadsNumbersThatShareAPrefix checks that numbers alike but for a few digits
// (one country, one carrier) fill a plan's table evenly: a hash that reads only some of the
// digits puts them in a few runs of slots, and a 1024-member plan then takes milliseconds.
func TestHashPhoneSpreadsNumbersThatShareAPrefix(t *testing.T) {
	for _, format := range []string{"3361%07d", "4477%08d", "1%06d", "%d"} {
		const n, size = 1024, 4096
		slots := map[uint64]bool{}
		for i := range n {
			slots[hashPhone(roster.Phone(fmt.Sprintf(format, i)))&(size-1)] = true
		}
		// Random slots would fill about size*(1-(1-1/size)^n), 906 of them.
		if len(slots) < 850 {
			t.Errorf("%s: %d numbers take %d of %d slots, want about 906", format, n, len(slots), size)
		}
	}
}
