package contacts

import (
	"strings"
	"testing"

	"switchboard/ent/contact"
	"switchboard/internal/apperr"
)

func TestContactParseCSV(t *testing.T) {
	p, err := parseCSV("\uFEFF Phone , NAME,tags,Opt_In\r\n" +
		"+1 650 555 1234,Ada,vip;;lead ,YES\r\n" +
		"\r\n" +
		"not a phone,Bob,,\r\n" +
		"\"+44 20 7183 8750\",\"Lovelace, Ada\nx\",,no\n" +
		"447911123456,\"Grace \"\"Amazing\"\" Hopper\",,\n" +
		"16505551234,Dup,,\n" +
		"+4915112345678,Too,few\n" +
		"+5511987654321,,,maybe\n")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.rows) != 2 || p.failed != 5 {
		t.Fatalf("rows %+v failed %d errors %+v", p.rows, p.failed, p.errors)
	}
	r := p.rows[0]
	if r.line != 2 || r.phone != "+16505551234" || r.name != "Ada" || strings.Join(r.tags, ",") != "vip,lead" || r.optIn != contact.OptInStatusOPTED_IN {
		t.Fatalf("row 0 = %+v", r)
	}
	if r := p.rows[1]; r.line != 7 || r.name != `Grace "Amazing" Hopper` || r.optIn != "" {
		t.Fatalf("row 1 = %+v", r)
	}
	wantLines := []int{4, 5, 8, 9, 10}
	for i, e := range p.errors {
		if e.Line != wantLines[i] {
			t.Errorf("error %d at line %d (%s), want line %d", i, e.Line, e.Message, wantLines[i])
		}
	}
}

func TestContactParseCSVMalformed(t *testing.T) {
	for name, data := range map[string]string{
		"empty":        "",
		"no header":    "+16505551234,Ada,,yes\n",
		"extra column": "phone,name,tags,opt_in,notes\n",
		"invalid utf8": "phone,name,tags,opt_in\n+16505551234,\xff\xfe,,\n",
		"binary":       "phone,name,tags,opt_in\n\x00\x01\x02PK\x03\x04",
		"unterminated": "phone,name,tags,opt_in\n+16505551234,\"Ada,,yes\n+16505551235,Bob,,\n",
		"bare quote":   "phone,name,tags,opt_in\n+16505551234,Ada \"the\" first,,yes\n",
		"too many":     "phone,name,tags,opt_in\n" + strings.Repeat("x,,,\n", MaxImportRows+1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseCSV(data)
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.BadUserInput || ae.Field != "csv" {
				t.Fatalf("parseCSV err = %v, want BAD_USER_INPUT on csv", err)
			}
			t.Log(ae.Message)
		})
	}
}
