// phone.go owns the country rewrites of Evolution's createJid (src/utils/createJid.ts) and their
// undoing. Evolution turns the bare digits of a write into a JID, and on the way drops the
// mobile "9" of Brazilian numbers whose area code is 31 or more and whose next digit is 7 or
// more, and the third digit ("1" in Mexico, "9" in Argentina) of 13-digit Mexican and
// Argentinian numbers. WhatsApp then knows the member by the shorter number, and reads return
// it. roster.Canonical, which the controller compares every type's numbers with, maps both forms
// to one, so that a member declared as +55 31 9XXXX-XXXX or +52 1 XX XXXX XXXX reads back as
// declared and is never added again.

package evolution

import (
	"strconv"
	"strings"

	"github.com/wagov/wagov/internal/roster"
)

// stored returns the number WhatsApp gets when p is sent to Evolution as bare digits: createJid's
// rewrite.
func stored(p roster.Phone) roster.Phone {
	n := string(p)
	if len(n) == 13 && (strings.HasPrefix(n, "52") || strings.HasPrefix(n, "54")) {
		return roster.Phone(n[:2] + n[3:])
	}
	if len(n) == 13 && strings.HasPrefix(n, "55") && brazilianMobile(n[2:4], n[5]) {
		return roster.Phone(n[:4] + n[5:])
	}
	return p
}

// brazilianMobile reports whether createJid rewrites a Brazilian number with area code ddd whose
// subscriber number starts with first: area codes from 31 up, first digits from 7 up.
func brazilianMobile(ddd string, first byte) bool {
	area, err := strconv.Atoi(ddd)
	return err == nil && area >= 31 && first >= '7'
}
