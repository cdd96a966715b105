package evolution

import (
	"testing"

	"github.com/wagov/wagov/internal/roster"
)

// TestCountryForms checks both directions of createJid's country rewrite on the numbers it
// touches and on neighbours it must leave alone.
func TestCountryForms(t *testing.T) {
	tests := []struct {
		name      string
		full      roster.Phone // as declared
		stored    roster.Phone // as Evolution sends it to WhatsApp and reads it back
		canonical roster.Phone // what the client reports for stored
	}{
		{"BR area 31, mobile 8", "5531987654321", "553187654321", "5531987654321"},
		{"BR area 99, mobile 7", "5599977776666", "559977776666", "5599977776666"},
		{"BR area 11 keeps its 9", "5511987654321", "5511987654321", "5511987654321"},
		{"BR area 30 keeps its 9", "5530987654321", "5530987654321", "5530987654321"},
		{"BR mobile 6 keeps its 9", "5531967654321", "5531967654321", "5531967654321"},
		{"BR landline", "553132345678", "553132345678", "553132345678"},
		{"MX mobile with its 1", "5215512345678", "525512345678", "5215512345678"},
		{"AR mobile with its 9", "5491112345678", "541112345678", "5491112345678"},
		{"FR", "33612400001", "33612400001", "33612400001"},
		{"US", "12125550199", "12125550199", "12125550199"},
		{"12 digits elsewhere", "447700900123", "447700900123", "447700900123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stored(tt.full); got != tt.stored {
				t.Errorf("stored(%s) = %s, want %s", tt.full, got, tt.stored)
			}
			if got := roster.Canonical(tt.stored); got != tt.canonical {
				t.Errorf("roster.Canonical(%s) = %s, want %s", tt.stored, got, tt.canonical)
			}
			// What the client reports, sent back, reaches the same WhatsApp user.
			if got := stored(roster.Canonical(tt.stored)); got != tt.stored {
				t.Errorf("stored(roster.Canonical(%s)) = %s", tt.stored, got)
			}
		})
	}
}

// TestShortFormsReadBackFull documents the forms a declaration must not use: Evolution stores
// them as they are, and the client reports the full form.
func TestShortFormsReadBackFull(t *testing.T) {
	for short, full := range map[roster.Phone]roster.Phone{
		"525512345678": "5215512345678", // Mexico without the mobile 1
		"553187654321": "5531987654321", // Brazil's old 8-digit mobile
		"541143215678": "5491143215678", // Argentina without the mobile 9
	} {
		if stored(short) != short || roster.Canonical(short) != full {
			t.Errorf("%s: stored %s, canonical %s, want %s and %s", short, stored(short), roster.Canonical(short), short, full)
		}
	}
}
