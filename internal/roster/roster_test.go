package roster

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := []struct {
		in      string
		want    Phone
		wantErr error // nil: success; ErrUnresolved; errAny: any other error
	}{
		{in: "+447700176576", want: "447700176576"},
		{in: "447700176576", want: "447700176576"},
		{in: " +17137157533 ", want: "17137157533"},
		{in: "447700176576@c.us", want: "447700176576"},
		{in: "5511999990000@s.whatsapp.net", want: "5511999990000"},
		{in: "5511999990000:12@s.whatsapp.net", want: "5511999990000"},
		{in: "205227043110953@lid", wantErr: ErrUnresolved},
		{in: "120363042@g.us", wantErr: errAny},
		{in: "+0447700176576", wantErr: errAny},
		{in: "+1234567", wantErr: errAny},
		{in: "+1234567890123456", wantErr: errAny},
		{in: "+44 7700 176576", wantErr: errAny},
		{in: "", wantErr: errAny},
		{in: "abc@c.us", wantErr: errAny},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Normalize(tt.in)
			switch {
			case tt.wantErr == nil && err != nil:
				t.Fatalf("Normalize(%q) error %v", tt.in, err)
			case tt.wantErr == nil && got != tt.want:
				t.Fatalf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			case errors.Is(tt.wantErr, errAny) && err == nil:
				t.Fatalf("Normalize(%q) = %q, want an error", tt.in, got)
			case errors.Is(tt.wantErr, ErrUnresolved) && !errors.Is(err, ErrUnresolved):
				t.Fatalf("Normalize(%q) error %v, want ErrUnresolved", tt.in, err)
			}
		})
	}
}

var errAny = errors.New("any error")

func TestPhoneForms(t *testing.T) {
	p := Phone("447700176576")
	if p.E164() != "+447700176576" || p.JID("c.us") != "447700176576@c.us" {
		t.Fatalf("forms of %q: %q %q", p, p.E164(), p.JID("c.us"))
	}
}

func TestGroupIndexSkipsUnresolved(t *testing.T) {
	g := Group{Participants: []Participant{
		{Phone: "447700176576", Role: RoleSuperAdmin},
		{RawID: "205227043110953@lid", Role: RoleAdmin},
		{Phone: "17137157533", Role: RoleMember},
	}}
	idx := g.Index()
	if len(idx) != 2 || idx["17137157533"].Role != RoleMember {
		t.Fatalf("Index() = %v", idx)
	}
	if g.Admins() != 2 {
		t.Fatalf("Admins() = %d, want 2 (the unresolved admin counts)", g.Admins())
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		id, phone  string
		want       Phone
		unresolved bool
	}{
		{id: "447700176576@c.us", want: "447700176576"},
		{id: "447700176576@s.whatsapp.net", phone: "+19999999999", want: "447700176576"}, // the JID wins when it is a number
		{id: "205227043110953@lid", phone: "447700176576@s.whatsapp.net", want: "447700176576"},
		{id: "205227043110953@lid", phone: "+447700176576", want: "447700176576"},
		{id: "205227043110953@lid", unresolved: true},
		{id: "205227043110953@lid", phone: "garbage", unresolved: true},
	}
	for _, tt := range tests {
		got, err := Identify(tt.id, tt.phone)
		if tt.unresolved {
			if !errors.Is(err, ErrUnresolved) {
				t.Errorf("Identify(%q, %q) = %q, %v; want ErrUnresolved", tt.id, tt.phone, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Identify(%q, %q) = %q, %v; want %q", tt.id, tt.phone, got, err, tt.want)
		}
	}
}

func TestRecogniseMapsEquivalentFormsToTheDeclaredOne(t *testing.T) {
	// A rewrite that drops the third digit of 13-digit numbers starting 52, as Evolution does.
	canon := func(p Phone) Phone {
		if len(p) == 12 && p[:2] == "52" {
			return "521" + p[2:]
		}
		return p
	}
	g := Group{Self: "525500000000", Participants: []Participant{
		{Phone: "525512345678", Role: RoleAdmin}, // stored short form of a declared long form
		{Phone: "525587654321"},                  // declared in the short form itself
		{Phone: "447700176576"},                  // no rewrite
		{RawID: "1@lid", Role: RoleMember},       // unresolved stays unresolved
	}}
	got := g.Recognise([]Phone{"5215512345678", "525587654321", "5215500000000"}, canon)
	want := []Phone{"5215512345678", "525587654321", "447700176576", ""}
	for i, p := range got.Participants {
		if p.Phone != want[i] {
			t.Errorf("participant %d: %q, want %q", i, p.Phone, want[i])
		}
	}
	if got.Self != "5215500000000" || got.Participants[0].Role != RoleAdmin {
		t.Errorf("self %q, roles kept %v", got.Self, got.Participants[0].Role)
	}
	if g.Participants[0].Phone != "525512345678" {
		t.Error("Recognise changed its receiver")
	}
	if same := g.Recognise([]Phone{"5215512345678"}, nil); same.Participants[0].Phone != "525512345678" {
		t.Error("a nil canon changed the group")
	}
}

func TestRoleOf(t *testing.T) {
	for _, tt := range []struct {
		admin, super bool
		want         Role
	}{{false, false, RoleMember}, {true, false, RoleAdmin}, {true, true, RoleSuperAdmin}, {false, true, RoleSuperAdmin}} {
		if got := RoleOf(tt.admin, tt.super); got != tt.want {
			t.Errorf("RoleOf(%v, %v) = %s, want %s", tt.admin, tt.super, got, tt.want)
		}
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want Phone }{
		{"5531987654321", "5531987654321"}, // Brazilian mobile with its ninth digit
		{"553187654321", "5531987654321"},  // the same mobile without it
		{"551187654321", "5511987654321"},  // São Paulo too
		{"551133334444", "551133334444"},   // a landline has no ninth digit
		{"5215512345678", "5215512345678"}, // Mexican mobile with its 1
		{"525512345678", "5215512345678"},  // and without it
		{"5491112345678", "5491112345678"}, // Argentinian mobile with its 9
		{"541112345678", "5491112345678"},  // and without it
		{"447700900123", "447700900123"},   // other countries: as they are
		{"12125550100", "12125550100"},
	}
	for _, tt := range tests {
		got := Canonical(tt.in)
		if got != tt.want {
			t.Errorf("Canonical(%s) = %s, want %s", tt.in, got, tt.want)
		}
		if again := Canonical(got); again != got {
			t.Errorf("Canonical is not idempotent on %s: %s", got, again)
		}
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"+447700900123", true},
		{"+12125550100", true},
		{"+5531987654321", true},
		{"+5215512345678", true}, // Mexico's old mobile form, as WhatsApp files it
		{"+525512345678", true},
		{"+5491112345678", true},   // Argentina's mobile 9
		{"+4477009001", false},     // too short for the UK
		{"+1212555010099", false},  // too long for NANP
		{"+99912345678", false},    // no such calling code
		{"447700900123", false},    // not E.164: no +
		{"+44 7700 900123", false}, // not the declared shape
	}
	for _, tt := range tests {
		p, err := Validate(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("Validate(%q) = %q, %v; want ok=%v", tt.in, p, err, tt.ok)
		}
	}
}

func TestLIDBook(t *testing.T) {
	var b LIDBook
	g := Group{Participants: []Participant{
		{Phone: "553187654321", RawID: "111@lid"},
		{Phone: "447700900123", RawID: "447700900123@c.us"},
		{RawID: "222@lid"},
	}}
	b.Learn("g1", g)
	if lid, ok := b.LID("g1", "5531987654321"); !ok || lid != "111@lid" {
		t.Errorf("the declared form of a member listed by LID: %q, %v", lid, ok)
	}
	if _, ok := b.LID("g1", "447700900123"); ok {
		t.Error("a member listed by number has no LID to write with")
	}
	if _, ok := b.LID("g2", "553187654321"); ok {
		t.Error("a LID leaked into another group")
	}
	b.Learn("g1", Group{})
	if _, ok := b.LID("g1", "553187654321"); ok {
		t.Error("a later read without LIDs did not replace the earlier one")
	}
}

// recogniseByMap is Recognise as first written, with one map of every declared number: the
// reference the faster one must agree with.
func recogniseByMap(g Group, declared []Phone, canon func(Phone) Phone) Group {
	byCanon := make(map[Phone]Phone, len(declared))
	for _, d := range declared {
		byCanon[canon(d)] = d
	}
	out := g
	out.Participants = make([]Participant, len(g.Participants))
	for i, p := range g.Participants {
		if d, ok := byCanon[canon(p.Phone)]; ok && p.Resolved() {
			p.Phone = d
		}
		out.Participants[i] = p
	}
	if d, ok := byCanon[canon(g.Self)]; ok && g.Self != "" {
		out.Self = d
	}
	return out
}

func TestRecogniseAgreesWithOneMapOfEveryNumber(t *testing.T) {
	// Both forms of Mexican, Argentinian and Brazilian mobiles, a Brazilian landline, and
	// numbers no rule touches, declared and listed in every mix and order.
	pool := []Phone{"5215512345678", "525512345678", "5491123456789", "541123456789", "5511987654321", "551187654321",
		"551123456789", "447700176576", "15551234567", "525500000000", "5215500000000"}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(n int) []Phone {
		out := make([]Phone, rng.IntN(n))
		for i := range out {
			out[i] = pool[rng.IntN(len(pool))]
		}
		return out
	}
	for i := range 20000 {
		g := Group{Self: pool[rng.IntN(len(pool))]}
		if rng.IntN(4) == 0 {
			g.Self = ""
		}
		for _, p := range pick(8) {
			g.Participants = append(g.Participants, Participant{Phone: p, Role: RoleOf(rng.IntN(2) == 0, false)})
		}
		if rng.IntN(3) == 0 {
			g.Participants = append(g.Participants, Participant{RawID: "1@lid"})
		}
		declared := pick(8)
		before := slices.Clone(g.Participants)
		got, want := g.Recognise(declared, Canonical), recogniseByMap(g, declared, Canonical)
		if got.Self != want.Self || !slices.Equal(got.Participants, want.Participants) {
			t.Fatalf("case %d: group %+v declared %v: got %+v, want %+v", i, g, declared, got, want)
		}
		if !slices.Equal(g.Participants, before) {
			t.Fatalf("case %d: Recognise changed its receiver", i)
		}
	}
}
