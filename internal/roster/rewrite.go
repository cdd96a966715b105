package roster

// This file owns the number rewrites WhatsApp and the engines behind every provider apply, so
// that the two forms of one person's number are compared as one: Brazil's mobile ninth digit
// (55 DD 9XXXXXXXX, which older accounts and some engines carry without the 9), and the mobile
// prefix of Mexico (52 1 …) and Argentina (54 9 …), which WhatsApp drops. Baileys and whatsmeow
// based engines (Evolution, WAHA NOWEB/GOWS, GOWA, QuickGateway, Wasend) may list a member in
// either form.

// Canonical returns the one form wagov compares a number in: the full mobile form, with
// Brazil's ninth digit and the Mexican "1" or Argentinian "9" put back where a 12-digit number
// lacks them. Other numbers are returned as they are. Canonical(Canonical(p)) == Canonical(p).
func Canonical(p Phone) Phone {
	n := string(p)
	if len(n) != 12 {
		return p
	}
	switch n[:2] {
	case "52":
		return Phone("521" + n[2:])
	case "54":
		return Phone("549" + n[2:])
	case "55":
		// A Brazilian mobile: a two-digit area code (11 to 99) and a subscriber number
		// starting 6 to 9; landlines start 2 to 5 and have no ninth digit.
		if n[2] != '0' && n[3] != '0' && n[4] >= '6' {
			return Phone(n[:4] + "9" + n[4:])
		}
	}
	return p
}
