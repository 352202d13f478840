package shell

import (
	"strings"
	"testing"
)

type textCase struct {
	name, script, stdin, out string
	code                     int
	errContains              string
}

func runTextCases(t *testing.T, cases []textCase) {
	t.Helper()
	e := newEnv()
	for _, tc := range cases {
		code, out, errOut := run(t, e, tc.script, tc.stdin)
		if code != tc.code || out != tc.out || !strings.Contains(errOut, tc.errContains) {
			t.Errorf("%s: %q\n got %d %q %q\nwant %d %q %q", tc.name, tc.script, code, out, errOut, tc.code, tc.out, tc.errContains)
		}
	}
}

// TestGrep: GNU grep's options and exit statuses (0 a line matched, 1 none,
// 2 an error), basic regular expressions by default, -E extended.
func TestGrep(t *testing.T) {
	conf := "listen 80\n# comment\nserver_name example.org\nlisten 443 ssl\n"
	runTextCases(t, []textCase{
		{name: "match", script: "grep listen", stdin: conf, out: "listen 80\nlisten 443 ssl\n"},
		{name: "no match", script: "grep nothing", stdin: conf, code: 1},
		{name: "quiet", script: "grep -q server_name && echo yes", stdin: conf, out: "yes\n"},
		{name: "invert", script: "grep -v '^#'", stdin: conf, out: "listen 80\nserver_name example.org\nlisten 443 ssl\n"},
		{name: "count", script: "grep -c listen", stdin: conf, out: "2\n"},
		{name: "count none", script: "grep -c nope", stdin: conf, out: "0\n", code: 1},
		{name: "line numbers", script: "grep -n ssl", stdin: conf, out: "4:listen 443 ssl\n"},
		{name: "only matching", script: "grep -o '[0-9][0-9]*'", stdin: conf, out: "80\n443\n"},
		{name: "ERE", script: "grep -E 'listen (80|443)$'", stdin: conf, out: "listen 80\n"},
		{name: "BRE literal plus", script: "grep 'a+b'", stdin: "a+b\naab\n", out: "a+b\n"},
		{name: "BRE interval", script: `grep 'a\{2\}b'`, stdin: "a+b\naab\n", out: "aab\n"},
		{name: "fixed", script: "grep -F 'a.b'", stdin: "a.b\naxb\n", out: "a.b\n"},
		{name: "ignore case", script: "grep -i LISTEN 443", stdin: "", code: 2, errContains: "grep: 443: No such file or directory"},
		{name: "ignore case stdin", script: "grep -ic LISTEN", stdin: conf, out: "2\n"},
		{name: "word", script: "grep -w 80", stdin: "8080\nport 80\n", out: "port 80\n"},
		{name: "line", script: "grep -x 'port 80'", stdin: "port 80\nport 8080\n", out: "port 80\n"},
		{name: "several patterns", script: "grep -e 80 -e ssl", stdin: conf, out: "listen 80\nlisten 443 ssl\n"},
		{name: "missing file", script: "grep x /nope", code: 2, errContains: "grep: /nope: No such file or directory"},
		{name: "recursive", script: "mkdir -p /tmp/g/d && echo hit > /tmp/g/d/f && echo miss > /tmp/g/e && grep -r hit /tmp/g", out: "/tmp/g/d/f:hit\n"},
		{name: "files with matches", script: "grep -rl hit /tmp/g", out: "/tmp/g/d/f\n"},
		{name: "bad option", script: "grep -Z x", code: 2, errContains: "invalid option"},
		{name: "after context", script: "grep -A1 '^dir'", stdin: "dir: a\n\tpath /x\n\tcontent y\nlvm: b\ndir: c\n\tpath /z\n",
			out: "dir: a\n\tpath /x\n--\ndir: c\n\tpath /z\n"},
		{name: "before context", script: "grep -n -B 1 b", stdin: "a\nb\nc\n", out: "1-a\n2:b\n"},
		{name: "context", script: "grep -C1 c", stdin: "a\nb\nc\nd\ne\n", out: "b\nc\nd\n"},
	})
}

// TestSed: GNU sed's s///, -n with p, -e, -i, addresses by line and regex,
// ranges, d, a/i/c, y and q.
func TestSed(t *testing.T) {
	runTextCases(t, []textCase{
		{name: "substitute", script: "sed 's/80/8080/'", stdin: "listen 80 80\n", out: "listen 8080 80\n"},
		{name: "global", script: "sed 's/80/8080/g'", stdin: "listen 80 80\n", out: "listen 8080 8080\n"},
		{name: "nth", script: "sed 's/a/X/2'", stdin: "aaa\n", out: "aXa\n"},
		{name: "groups", script: `sed 's/\(key\)=\(.*\)/\2=\1/'`, stdin: "key=value\n", out: "value=key\n"},
		{name: "ERE groups", script: `sed -E 's/(a+)(b+)/[\2\1]/'`, stdin: "aabbb\n", out: "[bbbaa]\n"},
		{name: "ampersand", script: `sed 's/[0-9]*/<&>/'`, stdin: "42 x\n", out: "<42> x\n"},
		{name: "other delimiter", script: "sed 's|/usr/local|/opt|'", stdin: "/usr/local/bin\n", out: "/opt/bin\n"},
		{name: "n and p", script: "sed -n '2p'", stdin: "a\nb\nc\n", out: "b\n"},
		{name: "n with s///p", script: "sed -n 's/^port=//p'", stdin: "host=x\nport=22\n", out: "22\n"},
		{name: "regex address", script: "sed '/^#/d'", stdin: "# c\nkeep\n", out: "keep\n"},
		{name: "negated", script: "sed -n '/keep/!p'", stdin: "drop\nkeep\n", out: "drop\n"},
		{name: "range", script: "sed '2,3d'", stdin: "1\n2\n3\n4\n", out: "1\n4\n"},
		{name: "regex range", script: "sed -n '/BEGIN/,/END/p'", stdin: "x\nBEGIN\ny\nEND\nz\n", out: "BEGIN\ny\nEND\n"},
		{name: "last line", script: "sed -n '$p'", stdin: "1\n2\n3\n", out: "3\n"},
		{name: "several -e", script: "sed -e 's/a/b/' -e 's/b/c/'", stdin: "a\n", out: "c\n"},
		{name: "semicolons", script: "sed 's/a/b/;s/b/c/'", stdin: "a\n", out: "c\n"},
		{name: "append insert", script: "sed -e '/x/a after' -e '/x/i before'", stdin: "x\n", out: "before\nx\nafter\n"},
		{name: "change", script: "sed '2c\\\nnew'", stdin: "1\n2\n3\n", out: "1\nnew\n3\n"},
		{name: "translate", script: "sed 'y/abc/xyz/'", stdin: "aabbcc\n", out: "xxyyzz\n"},
		{name: "quit", script: "sed 2q", stdin: "1\n2\n3\n", out: "1\n2\n"},
		{name: "block", script: "sed -n '/a/{s/a/b/;p}'", stdin: "a\nc\n", out: "b\n"},
		{name: "no final newline", script: "printf 'a\\nb' | sed s/b/c/", out: "a\nc"},
		{name: "case-insensitive", script: "sed 's/HELLO/bye/I'", stdin: "hello\n", out: "bye\n"},
		{name: "in place",
			script: "printf 'PermitRootLogin no\\n' > /tmp/sshd && sed -i 's/^PermitRootLogin .*/PermitRootLogin yes/' /tmp/sshd && cat /tmp/sshd",
			out:    "PermitRootLogin yes\n"},
		{name: "in place backup", script: "echo a > /tmp/b && sed -i.bak s/a/b/ /tmp/b && cat /tmp/b /tmp/b.bak", out: "b\na\n"},
		{name: "missing file", script: "sed p /nope", code: 2, errContains: "sed: can't read /nope: No such file or directory"},
		{name: "bad command", script: "sed k", code: 1, errContains: "unknown command: `k'"},
		{name: "unterminated", script: "sed s/a/b", code: 1, errContains: "unterminated `s' command"},
	})
}

// TestAwk: POSIX awk as scripts use it: fields, -F, -v, NR/NF, patterns,
// BEGIN/END, printf, arrays and the string built-ins.
func TestAwk(t *testing.T) {
	ps := "NAME STATUS PORT\nweb running 80\ndb exited 5432\n"
	runTextCases(t, []textCase{
		{name: "field", script: "awk '{print $2}'", stdin: ps, out: "STATUS\nrunning\nexited\n"},
		{name: "last field", script: "awk '{print $NF}'", stdin: "a b c\n", out: "c\n"},
		{name: "separator", script: "awk -F: '{print $1}'", stdin: "root:x:0:0\n", out: "root\n"},
		{name: "separator tab", script: `printf 'a\tb\n' | awk -F'\t' '{print $2}'`, out: "b\n"},
		{name: "NR", script: "awk 'NR==2'", stdin: ps, out: "web running 80\n"},
		{name: "NR>1 field", script: "awk 'NR>1 {print $1}'", stdin: ps, out: "web\ndb\n"},
		{name: "string against number", script: "awk '$3 > 100 {print $1}'", stdin: ps, out: "NAME\ndb\n"},
		{name: "regex pattern", script: "awk '/running/ {print $3}'", stdin: ps, out: "80\n"},
		{name: "field compare", script: `awk '$2 == "exited" {print $1}'`, stdin: ps, out: "db\n"},
		{name: "numeric compare", script: "awk 'NR > 1 && $3 > 100 {print $1}'", stdin: ps, out: "db\n"},
		{name: "sum", script: "awk '{s += $1} END {print s}'", stdin: "1\n2\n3.5\n", out: "6.5\n"},
		{name: "count", script: "awk 'END {print NR}'", stdin: ps, out: "3\n"},
		{name: "BEGIN FS", script: `awk 'BEGIN {FS="="} {print $2}'`, stdin: "a=1\n", out: "1\n"},
		{name: "printf", script: `awk '{printf "%-5s|%3d|%.2f\n", $1, $2, $2}'`, stdin: "ab 7\n", out: "ab   |  7|7.00\n"},
		{name: "var", script: `awk -v want=db '$1 == want {print "found " $3}'`, stdin: ps, out: "found 5432\n"},
		{name: "NF", script: "awk '{print NF}'", stdin: "a b\n\nc\n", out: "2\n0\n1\n"},
		{name: "non-empty", script: "awk NF", stdin: "a\n\nb\n", out: "a\nb\n"},
		{name: "arrays", script: "awk '{n[$2]++} END {for (k in n) print k, n[k]}'", stdin: "a x\nb y\nc x\n", out: "x 2\ny 1\n"},
		{name: "in", script: `awk 'BEGIN {a["k"]=1; if ("k" in a) print "yes"; if (!("z" in a)) print "no"}'`, out: "yes\nno\n"},
		{name: "length substr index", script: `awk '{print length($0), substr($0, 2, 3), index($0, "c")}'`, stdin: "abcdef\n", out: "6 bcd 3\n"},
		{name: "split", script: `awk '{n = split($0, p, "."); print n, p[1], p[3]}'`, stdin: "10.20.30\n", out: "3 10 30\n"},
		{name: "gsub", script: `awk '{gsub(/o/, "0"); print}'`, stdin: "foo boo\n", out: "f00 b00\n"},
		{name: "sub on field", script: `awk '{sub(/:.*/, "", $1); print $1}'`, stdin: "host:22\n", out: "host\n"},
		{name: "toupper", script: `awk '{print toupper($1) tolower("X")}'`, stdin: "ab\n", out: "ABx\n"},
		{name: "match", script: `awk '{if (match($0, /[0-9]+/)) print RSTART, RLENGTH}'`, stdin: "ab123c\n", out: "3 3\n"},
		{name: "assign field", script: `awk '{$2 = "X"; print}'`, stdin: "a b c\n", out: "a X c\n"},
		{name: "OFS", script: `awk 'BEGIN {OFS=","} {$1=$1; print}'`, stdin: "a b c\n", out: "a,b,c\n"},
		{name: "if else", script: `awk '{if ($1 > 1) print "big"; else print "small"}'`, stdin: "1\n2\n", out: "small\nbig\n"},
		{name: "while", script: `awk 'BEGIN {i = 0; while (i < 3) {printf "%d", i; i++}; print ""}'`, out: "012\n"},
		{name: "for", script: `awk 'BEGIN {for (i = 3; i > 0; i--) s = s i; print s}'`, out: "321\n"},
		{name: "ternary", script: `awk '{print ($1 % 2 ? "odd" : "even")}'`, stdin: "3\n4\n", out: "odd\neven\n"},
		{name: "next", script: `awk '/skip/ {next} {print}'`, stdin: "a\nskip\nb\n", out: "a\nb\n"},
		{name: "exit code", script: `awk '/x/ {exit 3}'`, stdin: "x\n", code: 3},
		{name: "range", script: "awk '/start/,/stop/'", stdin: "a\nstart\nb\nstop\nc\n", out: "start\nb\nstop\n"},
		{name: "number output", script: `awk 'BEGIN {print 1/3, 10/2, 2^10}'`, out: "0.333333 5 1024\n"},
		{name: "concat numbers", script: `awk 'BEGIN {x = 1; print x "" 2}'`, out: "12\n"},
		{name: "string compare", script: `awk '$1 < $2 {print "lt"}'`, stdin: "abc abd\n10 9\n", out: "lt\n"},
		{name: "regex match op", script: `awk '$1 ~ /^d/ {print $1} $1 !~ /^d/ {print "-"}'`, stdin: "db\nweb\n", out: "db\n-\n"},
		{name: "redirect", script: `awk '{print $1 > "/tmp/awk.out"}' && cat /tmp/awk.out`, stdin: "a\nb\n", out: "a\nb\n"},
		{name: "file operand", script: "printf 'x 1\\n' > /tmp/in && awk '{print $2}' /tmp/in", out: "1\n"},
		{name: "missing file", script: "awk '{print}' /nope", code: 2, errContains: "awk: cannot open \"/nope\""},
		{name: "syntax error", script: "awk '{print $1'", code: 2, errContains: "awk: syntax error"},
		{name: "ENVIRON", script: `FOO=bar awk 'BEGIN {print ENVIRON["HOME"], ENVIRON["FOO"]}'`, out: "/root bar\n"},
		{name: "delete", script: `awk 'BEGIN {a[1]; a[2]; delete a[1]; print length(a)}'`, out: "1\n"},
		{name: "int", script: `awk 'BEGIN {print int(3.9), int("12abc")}'`, out: "3 12\n"},
		{name: "uninitialized", script: `awk 'BEGIN {if (x == 0 && x == "") print "both"}'`, out: "both\n"},
		{name: "docker ps style", script: `awk -F'\t' '$2 ~ /^Up/ {print $1}'`, stdin: "web\tUp 2 minutes\ndb\tExited (0)\n", out: "web\n"},
	})
}

// TestTextTools: cut, tr, sort, uniq, xargs as coreutils and findutils.
func TestTextTools(t *testing.T) {
	runTextCases(t, []textCase{
		{name: "cut fields", script: "cut -d: -f1,3", stdin: "root:x:0:0\n", out: "root:0\n"},
		{name: "cut range", script: "cut -d, -f2-", stdin: "a,b,c\n", out: "b,c\n"},
		{name: "cut chars", script: "cut -c1-3", stdin: "abcdef\n", out: "abc\n"},
		{name: "cut no delimiter", script: "cut -d: -f2", stdin: "plain\n", out: "plain\n"},
		{name: "cut -s", script: "cut -s -d: -f2", stdin: "plain\na:b\n", out: "b\n"},
		{name: "tr upper", script: "tr a-z A-Z", stdin: "abc\n", out: "ABC\n"},
		{name: "tr delete", script: "tr -d '\\n'", stdin: "a\nb\n", out: "ab"},
		{name: "tr squeeze", script: "tr -s ' '", stdin: "a   b\n", out: "a b\n"},
		{name: "tr class", script: "tr -d '[:digit:]'", stdin: "a1b2\n", out: "ab\n"},
		{name: "sort", script: "sort", stdin: "b\na\nc\n", out: "a\nb\nc\n"},
		{name: "sort numeric reverse", script: "sort -rn", stdin: "10\n9\n100\n", out: "100\n10\n9\n"},
		{name: "sort key", script: "sort -t: -k2 -n", stdin: "a:3\nb:1\nc:2\n", out: "b:1\nc:2\na:3\n"},
		{name: "sort unique", script: "sort -u", stdin: "b\na\nb\n", out: "a\nb\n"},
		{name: "sort version", script: "sort -V", stdin: "1.10\n1.9\n1.2\n", out: "1.2\n1.9\n1.10\n"},
		{name: "uniq", script: "uniq", stdin: "a\na\nb\na\n", out: "a\nb\na\n"},
		{name: "uniq count", script: "sort | uniq -c", stdin: "a\nb\na\n", out: "      2 a\n      1 b\n"},
		{name: "uniq duplicates", script: "uniq -d", stdin: "a\na\nb\n", out: "a\n"},
		{name: "xargs", script: "xargs echo got", stdin: "a b\nc\n", out: "got a b c\n"},
		{name: "xargs -n", script: "xargs -n 1 echo", stdin: "a b\n", out: "a\nb\n"},
		{name: "xargs -I", script: "xargs -I{} echo [{}]", stdin: "a\nb\n", out: "[a]\n[b]\n"},
		{name: "xargs rm", script: "touch /tmp/x1 /tmp/x2 && echo /tmp/x1 /tmp/x2 | xargs rm && ls /tmp/x1", code: 2, errContains: "No such file"},
		{name: "xargs -r", script: "xargs -r echo never", stdin: "", out: ""},
		{name: "password from urandom", script: "tr -dc A-Za-z0-9 </dev/urandom | head -c 16 | tr -d 'A-Za-z0-9' | wc -c", out: "0\n"},
		{name: "urandom length", script: "head -c 32 /dev/urandom | wc -c", out: "32\n"},
		{name: "zero", script: "head -c 4 /dev/zero | tr '\\0' 'z'", out: "zzzz"},
		{name: "head of endless lines", script: "tr '\\0' '\\n' </dev/zero | head -n 3 | wc -l", out: "3\n"},
	})
}
