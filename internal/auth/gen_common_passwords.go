//go:build ignore

// gen_common_passwords.go writes common_passwords.txt, the list signUp and
// addMember refuse (passwords.go): run `go run gen_common_passwords.go` in
// internal/auth after editing the lists below.
//
// The list is composed, not downloaded (the project is built without
// internet access): the passwords that head every published leak and
// breach top list (RockYou, the yearly SplashData/NordPass lists, the
// NCSC's 100,000 most common) written down from memory, and the patterns
// those lists are made of — a common word or name with a year, a digit run
// or a "!" after it, keyboard walks, repeated and sequential characters.
// Only entries of at least MinPasswordLength (8) characters are kept:
// shorter ones are refused for their length already. Matching is
// case-insensitive, so every entry is lower case.
package main

import (
	"bufio"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
)

const minLen = 8

// known are real passwords from the top of published lists, as they appear.
var known = strings.Fields(`
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon
123123 baseball abc123 football monkey letmein 696969 shadow master 666666
qwertyuiop 123321 mustang 1234567890 michael 654321 pussy superman 1qaz2wsx
7777777 fuckyou 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer
zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine
iloveyou fuckme 2000 charlie robert thomas hockey ranger daniel starwars
klaster 112233 george asshole computer michelle jessica pepper 1111 zxcvbn
555555 11111111 131313 freedom 777777 pass fuck maggie 159753 aaaaaa ginger
princess joshua cheese amanda summer love ashley 6969 nicole chelsea biteme
matthew access yankees 987654321 dallas austin thunder taylor matrix
william corvette hello martin heather secret fucker merlin diamond 1234qwer
gfhjkm hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5
patrick internet scooter orange 11111 golfer cookie richard samantha bigdog
guitar jackson whatever mickey chicken sparky snoopy maverick phoenix camaro
sexy peanut morgan welcome falcon cowboy ferrari samsung andrea smokey
steelers joseph mercedes dakota arsenal eagles melissa boomer booboo spider
nascar monster tigers yellow xxxxxx 123123123 gateway marina diablo bulldog
qwer1234 compaq purple hardcore banana junior hannah 123654 porsche lakers
iceman money cowboys 987654 london tennis 999999 ncc1701 coffee scooby 0000
miller boston q1w2e3r4 fuckoff brandon yamaha chester mother forever johnny
edward 333333 oliver redsox player nikita knight fender barney midnight
please brandy chicago badboy iwantu slayer rangers charles angel flower
bigdaddy rabbit wizard bigdick jasper enter rachel chris steven winner adidas
victoria natasha 1q2w3e4r jasmine winter prince panties marine ghbdtn fishing
cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf crystal
87654321 12344321 sexsex golden blowme bigtits 8675309 panther lauren
angela bitch spanky thx1138 angels madison winston shannon mike toyota
blowjob jordan23 canada sophie apples dick tiger razz 123abc pokemon qazxsw
55555 qwaszx muffin johnson murphy cooper jonathan liverpoo david danielle
159357 jackie 1990 123456a 789456 turtle horny abcd1234 scorpion qazwsxedc
101010 butter carlos password1 dennis slipknot qwerty123 booger asdf 1991
black startrek 12341234 cameron newyork rainbow nathan john 1992 rocket
viking redskins butthead asdfghjkl 1212 sierra peaches gemini doctor wilson
sandra helpme qwertyui victor florida dolphin pookie captain tucker blue
liverpool theman bandit dolphins maddog packers jaguar lovers nicholas united
tiffany maxwell zzzzzz nirvana jeremy suckit stupid porn monica elephant
giants jackass hotdog rosebud success debbie mountain 444444 xxxxxxxx warrior
1q2w3e4r5t q1w2e3 123456q albert metallic lucky azerty 7777 shithead alex
bond007 alexis 1111111 samson 5150 willie scorpio bonnie gators benjamin
voodoo driver dexter 2112 jason calvin freddy 212121 creative 12345a sydney
rush2112 1989 asdfghjk red123 bubba 4815162342 passw0rd trouble gunner happy
fucking gordon legend jessie stella qwert eminem arthur apple nissan bullshit
bear america 1qazxsw2 nothing parker 4444 rebecca qweqwe garfield 01012011
beavis 69696969 jack asdasd december 2222 102030 252525 11223344 magic
apollo skippy 315475 girls kitten golf copper braves shelby godzilla beaver
fred tomcat august buddy airborne 1993 1988 lifehack qqqqqq brooklyn animal
platinum phantom online xavier darkness blink182 power fish green 789456123
voyager police travis 12qwaszx heaven snowball lover abcdef 00000 pakistan
007007 walter playboy blazer cricket sniper hooters donkey willow loveme
saturn therock redwings bigboy pumpkin trinity williams tits nintendo
digital destiny topgun runner marvin guinness chance bubbles testing fire
november minecraft asdf1234 lasvegas sergey broncos cartman private celtic
birdie little cassie babygirl donald beatles 1313 dickhead family 12121212
school louise gabriel eclipse fluffy 147258369 lol123 explorer beer nelson
flyers spencer scott lovely gibson doggie cherry andrey snickers buffalo
pantera metallica member carter qwertyu peter alexande steve bronco paradise
goober 5555 samuel montana mexico dreams michigan cock carolina friends
magnum surfer maximus genius cool vampire lacrosse asd123 aaaa christin
kimberly speedy sharon carmen 111222 kristina sammy racing ou812 sabrina
horses 0987654321 qwerty1 pimpin baby stalker enigma 147147 star poohbear
boobies 147258 simple bollocks 12345q marcus brian 1987 qweasdzxc drowssap
hahaha caroline barbara dave viper drummer action einstein bitches genesis
hello1 scotty friend forest 010203 hotrod google vanessa spitfire badger
maryjane friday alaska 1232323q tester jester jake champion billy 147852
rock hawaii badass chevy 420420 walker stephen eagle1 bill 1986 october
gregory svetlana pamela 1984 music shorty westside stanley diesel courtney
242424 kevin porno hitman boobs mark 12345qwert reddog frank qwe123 popcorn
patricia aaaaaaaa 1969 teresa mozart buddha anderson paul melanie abcdefg
security lucky1 lizard denise 3333 a12345 123789 ruslan stargate simpsons
scarface eagle 123456789a thumper olivia naruto 1234554321 general cherokee
a123456 vincent usuck123 1234qwerty iloveyou1 princess1 sunshine1 football1
monkey1 charlie1 qwerty12 aa123456 password123 welcome1 abc12345 1q2w3e
admin admin123 administrator root toor letmein1 changeme default guest
login passwort motdepasse contraseña senha parola wachtwoord salasana
hallo123 schatz ficken qwertz qwertz123 azerty123 soleil chouchou doudou
loulou marseille nicolas camille juventus napoli tesoro mariposa teamo
teamo123 bonjour bienvenue linkedin facebook myspace1 qwerty1234 zaq12wsx
zaq1zaq1 1qaz1qaz 2wsx3edc xsw23edc !qaz2wsx 1qaz@wsx qazwsx123 1qazxsw23edc
letmein123 password12 password1234 passw0rd1 p@ssw0rd p@ssword pa55word
pa55w0rd passw0rd! password! password01 password2 password3 password7
iloveu iloveyou2 iloveyou! loveyou lovelove love123 ilovegod jesus jesus1
jesuschrist christ godisgood blessed blessing faith grace heaven1 angel1
princesa princesse tequiero mypassword yourpassword nopassword secret1
secret123 trustno1! whatever1 whatever! superman1 batman1 spiderman
ironman hulk wolverine starwars1 darthvader skywalker yoda jedi pokemon1
pikachu charizard mario zelda sonic halo minecraft1 fortnite roblox
overwatch warcraft diablo2 counterstrike callofduty playstation xbox360
nintendo64 gameboy computer1 internet1 windows linux ubuntu microsoft apple1
iphone android samsung1 google1 yahoo hotmail gmail outlook dropbox
baseball1 basketball football12 soccer1 hockey1 golf1 tennis1 volleyball
softball cheer cheerleader dance dancer dancing singer music1 guitar1 drums
piano rockstar rocknroll metal punk hiphop rapper eminem1 tupac biggie
shakira beyonce rihanna madonna britney justinbieber onedirection
harrypotter hogwarts gryffindor hermione voldemort frodo gandalf1
mustang1 corvette1 camaro1 ferrari1 porsche1 mercedes1 bmw audi honda
toyota1 nissan1 harley1 ducati kawasaki suzuki yamaha1 chevrolet ford
dodge jeep subaru volkswagen
`)

// words are common bases of passwords: words, names, teams, places.
var words = strings.Fields(`
password passwort passw0rd p@ssword p@ssw0rd pass pa55word qwerty qwertz
azerty asdf asdfgh zxcvbn letmein welcome login admin master dragon monkey
shadow sunshine princess football baseball basketball soccer hockey
iloveyou loveyou lovely love baby babygirl angel secret freedom whatever
trustno starwars superman batman spiderman pokemon naruto summer winter
spring autumn monday friday money hello hunter killer ranger soldier
charlie michael jennifer jordan thomas robert daniel andrew joshua matthew
anthony william jessica ashley amanda michelle nicole samantha sarah
melissa maggie ginger pepper tigger buster bailey cookie chicken cheese
banana orange purple silver golden diamond crystal flower rainbow butterfly
dolphin tiger lion eagle falcon phoenix wolf bear panther jaguar cowboy
pirate ninja samurai viking wizard merlin gandalf matrix hacker computer
internet google facebook chelsea arsenal liverpool barcelona madrid
juventus united yankees lakers cowboys steelers packers eagles giants
london paris berlin moscow tokyo america canada mexico brazil florida
texas california chicago boston dallas austin jesus christ blessed
forever family friends mother father sister brother daddy mommy jasmine
michelle victoria natasha sophie olivia emma chloe lucky happy sunny
cool sweet pretty beautiful sexy hottie killer1 access system change
default guest test tester user
`)

// suffixes are what people add to a base to pass a length rule.
var suffixes = func() []string {
	s := strings.Fields(`1 12 123 1234 12345 123456 1! 123! ! !! !@# 0 00 01 007 2 3
7 11 13 21 22 23 69 77 88 99 100 101 111 123abc 321 666 777 888 999 @123 1234!`)
	for y := 1960; y <= 2030; y++ {
		s = append(s, fmt.Sprint(y), fmt.Sprintf("%02d", y%100))
	}
	return s
}()

// walks are keyboard walks and digit runs.
var walks = strings.Fields(`
qwertyui qwertyuiop qwertyuiop[] asdfghjk asdfghjkl asdfghjkl; zxcvbnm,
zxcvbnm1 qazwsxedc qazwsxedcrfv 1qaz2wsx 1qaz2wsx3edc 1qaz2wsx3edc4rfv
zaq12wsx zaq1xsw2 xsw2zaq1 1q2w3e4r 1q2w3e4r5t 1q2w3e4r5t6y q1w2e3r4
q1w2e3r4t5 q1w2e3r4t5y6 1a2b3c4d a1b2c3d4 a1b2c3d4e5 qweasdzxc qweasd123
asdqwe123 zxcasdqwe 1234qwer qwer1234 qwerasdf asdfqwer asdfzxcv 1234asdf
asdf1234 12345qwert qwert12345 123qweasd 123qweasdzxc qwe123qwe 147258369
159753456 741852963 963852741 789456123 123456789 1234567890 0987654321
9876543210 12345678 87654321 123123123 321321321 12341234 11223344
12121212 13131313 10203040 1020304050 11112222 12344321 123454321
1234512345 123456123456 abcdefgh abcdefghi abcdefg1 abcd1234 abc12345
abcabcabc qwertyqwerty asdasdasd qweqweqwe zxczxczxc 1a2s3d4f 1z2x3c4v
!qaz2wsx 1qaz@wsx !qaz@wsx #edc4rfv 1qaz!qaz 1qazxsw2 2wsx3edc 3edc4rfv
`)

func main() {
	set := map[string]bool{}
	add := func(p string) {
		p = strings.ToLower(p)
		if len([]rune(p)) >= minLen {
			set[p] = true
		}
	}
	for _, p := range known {
		add(p)
		for _, s := range []string{"1", "12", "123", "1234", "!", "01"} {
			add(p + s)
		}
	}
	for _, w := range words {
		add(w)
		for _, s := range suffixes {
			add(w + s)
		}
		add(w + w)
		add(strings.NewReplacer("a", "@", "o", "0", "e", "3", "s", "$", "i", "1").Replace(w) + "1")
	}
	for _, w := range walks {
		add(w)
		add(w + "!")
	}
	// Repeated characters and digit runs of every length from 8 to 16.
	for _, c := range "0123456789abcdefghijklmnopqrstuvwxyz!*." {
		for n := minLen; n <= 16; n++ {
			add(strings.Repeat(string(c), n))
		}
	}
	for n := minLen; n <= 10; n++ {
		add("1234567890"[:n])
		add("0123456789"[:n])
		add("9876543210"[:n])
	}
	// Two-digit and three-digit groups repeated: 12121212, 123123123, ...
	for i := 10; i <= 99; i++ {
		add(strings.Repeat(fmt.Sprint(i), 4))
	}
	for i := 100; i <= 999; i += 111 {
		add(strings.Repeat(fmt.Sprint(i), 3))
	}
	// Dates people use: ddmmyyyy and mmddyyyy of every day 1970-2010 would
	// be too many; keep January firsts and the year doubled.
	for y := 1950; y <= 2030; y++ {
		add(fmt.Sprintf("0101%d", y))
		add(fmt.Sprintf("%d%d", y, y))
	}

	list := make([]string, 0, len(set))
	for p := range set {
		list = append(list, p)
	}
	slices.Sort(list)
	f, err := os.Create("common_passwords.txt")
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "# Common passwords refused by signUp and addMember, lower case, one a line.")
	fmt.Fprintln(w, "# Generated by gen_common_passwords.go (go run gen_common_passwords.go); edit that, not this.")
	for _, p := range list {
		fmt.Fprintln(w, p)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "%d passwords\n", len(list))
}
