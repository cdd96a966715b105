package roster

// This file owns the check that a declared number can be a real phone number: the admission
// rules only check its shape (+ and 8 to 15 digits); numbers that come from elsewhere (lists in
// Secrets and ConfigMaps, a plan of a manifest) are also checked against each country's
// numbering plan (libphonenumber's possible-number and length rules).

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Validate parses a declared number in E.164 form and checks that its country's numbering plan
// allows it, returning the number or an error that says what is wrong.
func Validate(e164 string) (Phone, error) {
	p, err := Normalize(e164)
	if err != nil {
		return "", err
	}
	if len(e164) == 0 || e164[0] != '+' {
		return "", fmt.Errorf("%q: write it in E.164 form, starting with +", e164)
	}
	n, err := phonenumbers.Parse(mexicanMobileForm(e164), "")
	if err != nil {
		return "", fmt.Errorf("%q: %w", e164, err)
	}
	switch phonenumbers.IsPossibleNumberWithReason(n) {
	case phonenumbers.IS_POSSIBLE:
		return p, nil
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", fmt.Errorf("%q: no country has this calling code", e164)
	case phonenumbers.TOO_SHORT:
		return "", fmt.Errorf("%q: too short for its country", e164)
	case phonenumbers.TOO_LONG:
		return "", fmt.Errorf("%q: too long for its country", e164)
	}
	return "", fmt.Errorf("%q: not a possible number in its country", e164)
}

// mexicanMobileForm drops the "1" of an old-style Mexican mobile (+52 1 + ten digits), the form
// WhatsApp still files Mexican mobiles under, which the numbering plan no longer lists.
func mexicanMobileForm(e164 string) string {
	if len(e164) == 14 && strings.HasPrefix(e164, "+521") {
		return "+52" + e164[4:]
	}
	return e164
}
