// jid.go turns the participant strings of an Evolution write into the WhatsApp identities the
// world acts on, the way Evolution's createJid does (src/utils/createJid.ts): JIDs pass through,
// anything else is cleaned to digits and, for Brazilian, Mexican and Argentinian numbers,
// rewritten before "@s.whatsapp.net" is appended. The world then holds the rewritten number.

package evolution

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/wagov/wagov/internal/roster"
	"github.com/wagov/wagov/internal/sim"
)

var (
	deviceSuffix = regexp.MustCompile(`:\d+`)
	nonDigits    = regexp.MustCompile(`\D`)
	nonGroupID   = regexp.MustCompile(`[^\d-]`)
)

// createJID is Evolution's createJid.
func createJID(number string) string {
	number = deviceSuffix.ReplaceAllString(number, "")
	for _, server := range []string{"@g.us", "@s.whatsapp.net", "@lid", "@broadcast"} {
		if strings.Contains(number, server) {
			return number
		}
	}
	number = strings.NewReplacer("+", "", "(", "", ")", "").Replace(strings.Join(strings.Fields(number), ""))
	number, _, _ = strings.Cut(number, ":")
	number, _, _ = strings.Cut(number, "@")
	if strings.Contains(number, "-") && len(number) >= 23 {
		return nonGroupID.ReplaceAllString(number, "") + "@g.us"
	}
	number = nonDigits.ReplaceAllString(number, "")
	if len(number) >= 18 {
		return number + "@g.us"
	}
	return rewriteBR(rewriteMXAR(number)) + "@s.whatsapp.net"
}

// rewriteMXAR drops the third digit of a 13-digit Mexican (52) or Argentinian (54) number:
// the mobile "1" or "9" after the country code.
func rewriteMXAR(n string) string {
	if (strings.HasPrefix(n, "52") || strings.HasPrefix(n, "54")) && len(n) == 13 {
		return n[:2] + n[3:]
	}
	return n
}

// rewriteBR drops the fifth digit (the mobile "9") of a 13-digit Brazilian number when its area
// code is 31 or more and the digit after it is 7 or more; other Brazilian numbers keep it.
func rewriteBR(n string) string {
	if len(n) != 13 || !strings.HasPrefix(n, "55") {
		return n
	}
	ddd, _ := strconv.Atoi(n[2:4])
	if ddd < 31 || n[5] < '7' {
		return n
	}
	return n[:4] + n[5:]
}

// resolve returns the phone number a JID names in the world, or false when it names none: a
// group, a broadcast list, a LID the world does not know, or digits that are no phone number.
func resolve(x *sim.Exchange, jid string) (roster.Phone, bool) {
	user, server, _ := strings.Cut(jid, "@")
	switch server {
	case "s.whatsapp.net":
		p, err := roster.Normalize(user)
		return p, err == nil
	case "lid":
		return x.PhoneOfLID(jid)
	}
	return "", false
}
