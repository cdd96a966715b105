package plan

// This file owns the planner's one lookup structure: the standing of every number that the
// spec or the live group names. At a thousand members it is most of a plan's cost, so it is an
// open-addressing hash table that names each number by where the Input holds it (six bytes a
// slot), compares a byte of the hash before the number, and is reused from plan to plan: a Go
// map of the strings took several times the memory and the time, and maphash a third of it.

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"sync"

	"github.com/wagov/wagov/internal/roster"
)

// standing is what the spec and the live group say of one number.
type standing uint8

const (
	// declared: a member or an admin of the spec.
	declared standing = 1 << iota
	// listed: on the spec's admin whitelist.
	listed
	// present: a resolved participant of the live group.
	present
	// presentAdmin: that participant is an admin (the last one seen, if the number repeats).
	presentAdmin
)

// phoneHasher is the process's hash of numbers, seeded so that a hostile group cannot choose
// numbers that collide.
var phoneHasher = newPhoneHash(maphash.MakeSeed())

// standings maps numbers to their standing. A number is named by its position in the Input:
// the members, then the admins, then the participants.
type standings struct {
	in *Input
	// slots hold 1 + the position of a number, or 0 when empty.
	slots []int32
	// flags are the standing of the number in the same slot.
	flags []standing
	// tags are the top byte of the hash of the number in the same slot, compared before
	// the number itself.
	tags []uint8
	// declared are the slots of the spec's numbers, each once.
	declared []int32
}

// tables holds standings between plans, so that a plan allocates little but its result.
var tables sync.Pool

// newStandings returns the standings of the spec's numbers; seen adds the participants'.
// Release it after the plan.
func newStandings(in *Input) *standings {
	n := len(in.Members) + len(in.Admins) + len(in.Live.Participants)
	size := 1 << bits.Len(uint(n)) // more slots than numbers, so that one is always empty
	st, _ := tables.Get().(*standings)
	if st == nil || cap(st.slots) < size {
		st = &standings{slots: make([]int32, size), flags: make([]standing, size), tags: make([]uint8, size)}
	}
	st.in, st.slots, st.flags, st.tags = in, st.slots[:size], st.flags[:size], st.tags[:size]
	clear(st.slots)
	clear(st.flags)
	st.declared = st.declared[:0]
	for i, m := range in.Members {
		st.mark(i, m, declared, 0)
	}
	for i, a := range in.Admins {
		st.mark(len(in.Members)+i, a, declared|listed, 0)
	}
	return st
}

// release gives the table back for another plan.
func (st *standings) release() {
	st.in = nil
	tables.Put(st)
}

// seen records participant i of the live group and returns its number's standing: zero for
// one whose number is unresolved.
func (st *standings) seen(i int, part *roster.Participant) standing {
	if !part.Resolved() {
		return 0
	}
	admin := standing(0)
	if part.Role.IsAdmin() {
		admin = presentAdmin
	}
	return st.mark(len(st.in.Members)+len(st.in.Admins)+i, part.Phone, present|admin, presentAdmin)
}

// mark clears the flags in clear and sets those in set for the number p at position pos, and
// returns its standing.
func (st *standings) mark(pos int, p roster.Phone, set, clear standing) standing {
	mask := len(st.slots) - 1
	h := hashPhone(p)
	tag := uint8(h >> 56)
	i := int(h) & mask
	for st.slots[i] != 0 && (st.tags[i] != tag || st.phone(st.slots[i]-1) != p) {
		i = (i + 1) & mask
	}
	if st.slots[i] == 0 {
		st.slots[i], st.tags[i] = int32(pos)+1, tag
		if set&declared != 0 {
			st.declared = append(st.declared, int32(i))
		}
	}
	st.flags[i] = st.flags[i]&^clear | set
	return st.flags[i]
}

// phone returns the number at a position.
func (st *standings) phone(pos int32) roster.Phone {
	m, a := int32(len(st.in.Members)), int32(len(st.in.Admins))
	switch {
	case pos < m:
		return st.in.Members[pos]
	case pos < m+a:
		return st.in.Admins[pos-m]
	}
	return st.in.Live.Participants[pos-m-a].Phone
}

// eachDeclared calls f for every number the spec declares, with its standing, in no
// particular order.
func (st *standings) eachDeclared(f func(roster.Phone, standing)) {
	for _, i := range st.declared {
		f(st.phone(st.slots[i]-1), st.flags[i])
	}
}

// phoneHash hashes numbers under one seed.
type phoneHash struct {
	seed       maphash.Seed
	k0, k1, k2 uint64
}

func newPhoneHash(seed maphash.Seed) phoneHash {
	return phoneHash{seed, maphash.Comparable(seed, 0), maphash.Comparable(seed, 1), maphash.Comparable(seed, 2)}
}

// hashPhone hashes a number with the process's seed.
func hashPhone(p roster.Phone) uint64 { return phoneHasher.sum(p) }

// sum hashes a number. Numbers are short (E.164 has at most 15 digits), so it reads them as
// two overlapping words rather than byte by byte, and mixes them with two multiplies: one
// alone is close to linear in the last digits, so that for some seeds numbers that share a
// prefix fell into a fraction of the slots.
func (h phoneHash) sum(p roster.Phone) uint64 {
	if len(p) < 8 {
		return maphash.String(h.seed, string(p))
	}
	a := binary.LittleEndian.Uint64([]byte(p[:8]))
	b := binary.LittleEndian.Uint64([]byte(p[len(p)-8:]))
	hi, lo := bits.Mul64(a^h.k0, b^h.k1)
	hi, lo = bits.Mul64(hi^lo^h.k2, uint64(len(p))^h.k0)
	return hi ^ lo
}
