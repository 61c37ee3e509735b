package loadgen

import (
	"math/rand/v2"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// maxWideAttributes bounds Config.WideAttributes.
const maxWideAttributes = 64

// wideKeys are the keys of the attributes Config.WideAttributes adds, in
// order; beyond the list, keys are app.attr.N. They mix what applications
// really send: high-cardinality URLs, e-mails and addresses, long strings,
// numbers, and keys a gateway's deny lists or encryption rules may name.
var wideKeys = []string{
	"url.full", "user.email", "client.address", "user.id", "session.id",
	"http.request.header.x-request-id", "user_agent.original", "app.customer.address", "app.payload", "app.order.id",
	"app.cart.items", "app.comment", "network.peer.address", "app.referrer", "enduser.id",
	"app.feature_flags", "app.auth_token", "app.tenant", "app.price", "app.query",
}

// widen adds n attributes with fresh random values drawn from r to s.
func widen(s ptrace.Span, r *rand.Rand, n int) {
	a := s.Attributes()
	a.EnsureCapacity(a.Len() + n)
	for i := range n {
		key := "app.attr." + strconv.Itoa(i)
		if i < len(wideKeys) {
			key = wideKeys[i]
		}
		switch i % len(wideKeys) {
		case 0, 13: // URLs with an ID and a query
			a.PutStr(key, "https://shop"+strconv.Itoa(r.IntN(50))+".example.com/api/v2/orders/"+hexString(r, 16)+"?page="+strconv.Itoa(r.IntN(1000))+"&sort=desc&ref="+hexString(r, 8))
		case 1: // e-mail
			a.PutStr(key, letters(r, 6+r.IntN(8))+"."+letters(r, 5+r.IntN(6))+"@"+letters(r, 5)+".example.org")
		case 2, 12: // IPv4 and IPv6 addresses
			if r.IntN(2) == 0 {
				a.PutStr(key, strconv.Itoa(r.IntN(256))+"."+strconv.Itoa(r.IntN(256))+"."+strconv.Itoa(r.IntN(256))+"."+strconv.Itoa(r.IntN(256)))
			} else {
				a.PutStr(key, "2001:db8:"+hexString(r, 4)+":"+hexString(r, 4)+"::"+hexString(r, 4))
			}
		case 7: // postal address
			a.PutStr(key, strconv.Itoa(1+r.IntN(999))+" "+letters(r, 8)+" Street, "+letters(r, 7)+" "+strconv.Itoa(10000+r.IntN(89999)))
		case 8, 11: // long text: words, as in messages, payloads and queries
			a.PutStr(key, text(r, 256+r.IntN(768)))
		case 6:
			a.PutStr(key, "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/"+strconv.Itoa(100+r.IntN(40))+".0."+strconv.Itoa(r.IntN(9999))+".0 Safari/537.36")
		case 10:
			a.PutInt(key, int64(r.IntN(50)))
		case 18:
			a.PutDouble(key, float64(r.IntN(100000))/100)
		default:
			a.PutStr(key, hexString(r, 16+r.IntN(16)))
		}
	}
}

const hexDigits = "0123456789abcdef"

func hexString(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = hexDigits[r.IntN(16)]
	}
	return string(b)
}

// textWords are the words long values are made of.
var textWords = strings.Fields(`the order for customer was shipped from warehouse after payment ` +
	`confirmation and the invoice lists item quantity price discount tax total ` +
	`select from where join on group by limit offset update set insert into values ` +
	`error retry timeout connection request response status cache miss hit ` +
	`user session token expired renewed account address street city country`)

// text is about n bytes of words drawn from textWords, with a number now
// and then, so long values are distinct yet read (and compress) like text.
func text(r *rand.Rand, n int) string {
	b := make([]byte, 0, n+16)
	for len(b) < n {
		if r.IntN(8) == 0 {
			b = strconv.AppendInt(b, int64(r.IntN(100000)), 10)
		} else {
			b = append(b, textWords[r.IntN(len(textWords))]...)
		}
		b = append(b, ' ')
	}
	return string(b[:n])
}

func letters(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}
