package twochat

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// The hand-read group answer reads exactly what encoding/json reads, or hands the body to it:
// generated answers of the documented shape, with other fields, escapes, odd types and keys
// in another case, and each with bytes flipped, inserted and dropped.
func TestGroupAnswerScanReadsLikeEncodingJSON(t *testing.T) {
	for seed := range uint64(3) {
		scanAlike(t, rand.New(rand.NewPCG(seed, 2)))
	}
}

func scanAlike(t *testing.T, rng *rand.Rand) {
	scanned := 0
	for n := range 3000 {
		doc, plain := randomAnswer(rng)
		if ok := compareScan(t, doc); plain && !ok {
			t.Fatalf("a plain answer was not scanned:\n%s", doc)
		} else if ok {
			scanned++
		}
		for range 3 {
			compareScan(t, mutate(rng, doc))
		}
		if t.Failed() {
			t.Fatalf("answer %d", n)
		}
	}
	if scanned < 1000 {
		t.Errorf("only %d of 3000 answers scanned", scanned)
	}
}

// compareScan checks one body and reports whether the scan read it.
func compareScan(t *testing.T, body []byte) bool {
	t.Helper()
	var got, want groupAnswer
	ok := got.scan(body)
	err := json.Unmarshal(body, &want)
	if !ok {
		if !reflect.DeepEqual(got, groupAnswer{}) {
			t.Errorf("a refused scan left %+v", got)
		}
		return false
	}
	if err != nil {
		t.Errorf("scanned a body that encoding/json refuses (%v):\n%s", err, body)
		return true
	}
	if !reflect.DeepEqual(got.Data, want.Data) {
		t.Errorf("data differs:\nscan %+v\njson %+v\nbody %s", got.Data, want.Data, body)
	}
	for _, pair := range [][2]json.RawMessage{{got.Success, want.Success}, {got.Error, want.Error}, {got.Message, want.Message}} {
		if !bytes.Equal(pair[0], pair[1]) {
			t.Errorf("envelope differs: %q vs %q in %s", pair[0], pair[1], body)
		}
	}
	return true
}

// randomAnswer builds a group answer; plain says it has the documented shape only (other
// fields aside), which the scan must read itself.
func randomAnswer(rng *rand.Rand) ([]byte, bool) {
	plain := true
	key := func(k string) string {
		if rng.IntN(40) == 0 {
			plain = false
			return strings.ToUpper(k[:1]) + k[1:]
		}
		return k
	}
	str := func() string {
		if rng.IntN(50) == 0 {
			plain = false
			return fmt.Sprint(rng.IntN(100))
		}
		return randomString(rng)
	}
	boolean := func() string {
		return []string{"true", "false", "null", "true", "false"}[rng.IntN(5)]
	}
	var parts []string
	for range rng.IntN(12) {
		fields := []string{
			fmt.Sprintf("%q:%s", key("wa_participant_id"), str()),
			fmt.Sprintf("%q:%s", key("phone_number"), str()),
			fmt.Sprintf("%q:%s", key("wa_is_admin"), boolean()),
			fmt.Sprintf("%q:%s", key("wa_is_super_admin"), boolean()),
		}
		for range rng.IntN(4) {
			fields = append(fields, fmt.Sprintf("%q:%s", fmt.Sprintf("extra_%d", rng.IntN(9)), randomValue(rng, 2)))
		}
		rng.Shuffle(len(fields), func(i, j int) { fields[i], fields[j] = fields[j], fields[i] })
		parts = append(parts, spaced(rng, "{"+strings.Join(fields, spaced(rng, ","))+"}"))
	}
	data := fmt.Sprintf(`{%q:%s,%q:%s,"created_at":%s,%q:[%s]}`, key("uuid"), str(), key("wa_group_name"), str(),
		randomValue(rng, 1), key("participants"), strings.Join(parts, ","))
	if rng.IntN(20) == 0 {
		data = "null"
	}
	env := []string{fmt.Sprintf(`"success":%s`, boolean()), `"data":` + data}
	if rng.IntN(4) == 0 {
		env = append(env, fmt.Sprintf(`"message":%s`, randomValue(rng, 1)))
	}
	rng.Shuffle(len(env), func(i, j int) { env[i], env[j] = env[j], env[i] })
	return []byte(spaced(rng, "{"+strings.Join(env, ",")+"}")), plain
}

func randomString(rng *rand.Rand) string {
	forms := []string{`"+4915112345%03d"`, `"4915112345%03d@c.us"`, `"\u002b49151123%03d"`, `"a\"b\\c\/%d\n"`, `"é%d€"`, `"\ud83d\ude00%d"`}
	return fmt.Sprintf(forms[rng.IntN(len(forms))], rng.IntN(1000))
}

func randomValue(rng *rand.Rand, depth int) string {
	switch k := rng.IntN(8); {
	case k == 0 && depth > 0:
		return fmt.Sprintf(`{"x":%s,"y":[%s,%s]}`, randomValue(rng, depth-1), randomValue(rng, depth-1), randomValue(rng, depth-1))
	case k == 1 && depth > 0:
		return fmt.Sprintf(`[%s]`, randomValue(rng, depth-1))
	case k == 2:
		return []string{"0", "-1.5e3", "12", "0.25", "1E+2"}[rng.IntN(5)]
	case k == 3:
		return "null"
	case k == 4:
		return "true"
	}
	return randomString(rng)
}

// spaced puts white space around s now and then.
func spaced(rng *rand.Rand, s string) string {
	if rng.IntN(3) == 0 {
		return " \n" + s + "\t"
	}
	return s
}

// mutate flips, inserts or drops one byte.
func mutate(rng *rand.Rand, doc []byte) []byte {
	b := bytes.Clone(doc)
	if len(b) == 0 {
		return b
	}
	i := rng.IntN(len(b))
	alphabet := []byte(`{}[]:,"\ 0-1e.tfnul` + "\x01\xff")
	switch rng.IntN(3) {
	case 0:
		b[i] = alphabet[rng.IntN(len(alphabet))]
	case 1:
		b = append(b[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, b[i:]...)...)
	default:
		b = append(b[:i], b[i+1:]...)
	}
	return b
}

// The group answer of 256 participants as wagov-sim serves it, read by the scan and by
// encoding/json (make bench's CPU per sync rests on the difference).
func BenchmarkGroupAnswer(b *testing.B) {
	var parts []string
	for i := range 256 {
		parts = append(parts, fmt.Sprintf(`{"wa_participant_id":"49151%08d@c.us","wa_pushname":"Member %d","wa_is_admin":%t,"wa_is_super_admin":false,"device":"android","phone_number":"+49151%08d","formatted_phone_number":"+49 151 %08d","iso_country_code":"DE","contact":{}}`, i, i, i < 3, i, i))
	}
	body := []byte(`{"success":true,"data":{"uuid":"WAG-1","wa_group_name":"team","participants":[` + strings.Join(parts, ",") + `]}}`)
	b.Run("scan", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a groupAnswer
			if !a.scan(body) {
				b.Fatal("not scanned")
			}
			releaseParticipants(a.Data.Participants) // as ReadGroup does
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a groupAnswer
			if err := json.Unmarshal(body, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
}
