#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ternchat (Documentation/man/ternchat.1), the terminal chat client over
# ternd's client API, driven as a person would: alice's ternchat (the
# sanitizer build) runs in a tmux window of 100x30; the test types with
# 'tmux send-keys' and reads the screen with 'tmux capture-pane'. Bob
# uses ternctl. Through the real gateway and directory:
#
#   - without ternd, ternchat says so on stderr and exits 1, before
#     taking the screen;
#   - bob's first message appears live, bob in the conversation list as
#     a [request], the text in the history; opening it marked it read;
#   - a text with accents and emoji shows as sent;
#   - bob's 'ternctl typing' shows "bob@example.org is typing..." on
#     alice's status line, and "off" clears it;
#   - alice types a reply (bob's watch sees her typing, then stopping)
#     and presses Enter: bob receives exactly that text; on her screen it
#     reaches [delivered], then [read] once bob reads it; bob is now a
#     contact (no [request]);
#   - /new with a bad handle shows why on the status line, and ternchat
#     goes on; /new with a good one opens it ([new]), Down goes back;
#   - resizing the window redraws it at the new size, and messages still
#     arrive;
#   - /quit exits 0, and its stderr holds no sanitizer report.
#
# The directory (port 8443), tern-gatewayd (port 5222, the user
# transport) and the ternds share one network namespace of its own
# (198.18.15.7). Skips, saying why, without tmux, root, namespaces, curl
# or openssl.
set -u

. "$(dirname "$0")/dir_lib.sh"
. "$(dirname "$0")/ternd_lib.sh"
. "$(dirname "$0")/chat_lib.sh"
GATEWAYD=$build/san/bin/tern-gatewayd
TERND=$build/san/bin/ternd
TERNCHAT=$build/san/bin/ternchat
command -v tmux >/dev/null || skip_all "needs tmux"
dir_setup ternchat 198.18.15.7
ktap_set_plan 23
for t in "$GATEWAYD" "$TERND" "$TERNCHAT"; do
	[ -x "$t" ] || ktap_exit_fail_msg "no $t: run 'make userspace'"
done
export PYTHONIOENCODING=utf-8
A=alice@example.org
B=bob@example.org

# A tmux server of our own, gone with the test.
TMUX_SOCK=$WORK/tmux.sock
tm() {
	tmux -S "$TMUX_SOCK" -f /dev/null "$@"
}
trap 'tm kill-server 2>/dev/null; dir_cleanup' EXIT

# screen: alice's screen, as text.
screen() {
	tm capture-pane -p -t chat 2>/dev/null
}

# wait_screen REGEX SECONDS: until a line of the screen matches REGEX
# (grep -E); the last screen read in SCR. At once when the window is
# gone (ternchat exited), with its stderr in SCR.
wait_screen() {
	for _ in $(seq $(($2 * 10))); do
		if ! SCR=$(screen); then
			SCR="(no window: ternchat exited) $(head -c 2000 \
				"$WORK/ternchat.err" 2>/dev/null)"
			return 1
		fi
		printf '%s\n' "$SCR" | grep -Eq -- "$1" && return 0
		sleep 0.1
	done
	return 1
}

# check_screen NAME REGEX SECONDS: a check that the screen comes to
# match REGEX; else the screen is shown.
check_screen() {
	if wait_screen "$2" "$3"; then
		ktap_test_pass "$1"
	else
		echo "# expected a line matching /$2/ on the screen:"
		printf '%s\n' "$SCR" | sed 's/^/#   |/'
		ktap_test_fail "$1"
	fi
}

# keys TEXT: TEXT typed; enter: the Enter key.
keys() {
	tm send-keys -t chat -l "$1" 2>/dev/null
}
enter() {
	tm send-keys -t chat Enter 2>/dev/null
}

# gone: ternchat's window is gone (it exited): waits end at once.
gone() {
	! tm has-session -t chat 2>/dev/null
}

# --- without ternd ---

out=$("$TERNCHAT" -A "$WORK/nowhere.sock" 2>&1 </dev/null)
check "no ternd: exit 1 before the screen, saying why" \
	"^1 ternchat: cannot connect to ternd's client API at $WORK/nowhere.sock" \
	"$? $out"

# --- alice and bob, alice's ternchat ---

chat_env 2
td_start alice "${DOPTS[@]}" --handle "$A" --invite "${INV[0]}"
td_start bob "${DOPTS[@]}" --handle "$B" --invite "${INV[1]}"
wait_st alice directory '^registered$' 20
wait_st bob directory '^registered$' 20

tm new-session -d -s chat -x 100 -y 30 \
	"env LANG=C.UTF-8 ASAN_OPTIONS=$ASAN_OPTIONS $TERNCHAT -A $WORK/alice/ternd-api.sock 2>$WORK/ternchat.err; echo \$? >$WORK/ternchat.rc" ||
	ktap_exit_fail_msg "tmux cannot start a session"
wait_screen "\(no conversations\)" 10
check "ternchat starts: alice's handle on top, no conversation yet" \
	"^ ternchat  $A *\| \(no conversations\) +│" \
	"$(printf '%s\n' "$SCR" | sed -n 1p)|$(printf '%s\n' "$SCR" | sed -n 2p)"

# --- bob writes first ---

T1="hello alice, it is bob"
sendj bob "$A" "$T1"
ID1=$ID
check_screen "bob's message appears live: bob in the list, a [request]" \
	"^ $B +\[request\] *│" 15
check_screen "... and its text in the history, received (<-)" \
	"│ [0-9:-]{5} <- $T1\$" 5
for _ in $(seq 50); do
	[ "$(hist alice "$B" id read_ms | sed -n "s/^$ID1|//p")" != ABSENT ] ||
		gone && break
	sleep 0.1
done
check "opening the conversation marked bob's message read" \
	'^[0-9]{13}$' "$(hist alice "$B" id read_ms | sed -n "s/^$ID1|//p")"

T2="héllo wörld ✓ ça va 😀 ñandú"
tc bob send "$A" "$T2" >/dev/null 2>&1
check_screen "a text with accents and emoji shows as sent" "<- $T2\$" 15

# --- bob is typing ---

tc bob typing "$A" on >/dev/null 2>&1
check_screen "bob's 'ternctl typing' shows on alice's status line" \
	"^ $B is typing\.\.\." 10
tc bob typing "$A" off >/dev/null 2>&1
# Well before the indicator's own 6 s are up.
for _ in $(seq 30); do
	screen | grep -q "is typing" || break
	sleep 0.1
done
check_eq "... and 'typing off' clears it" "" \
	"$(screen | grep "is typing")"

# --- alice answers ---

R="reply from alice ✓ ça va bien"
# Bob's watcher, ready (its watch answered) before alice types.
python3 - "$WORK/bob/ternd-api.sock" "$WORK/bready" >"$WORK/bwatch" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
f = s.makefile("rb")
s.sendall(b'{"op":"watch"}\n')
f.readline()
open(sys.argv[2], "w").close()
for line in f:
    sys.stdout.write(line.decode())
    sys.stdout.flush()
PY
BW=$!
for _ in $(seq 100); do
	[ -e "$WORK/bready" ] && break
	sleep 0.1
done
keys "$R"
check_screen "what alice types shows on the compose line" "^> $R\$" 5
for _ in $(seq 50); do
	grep -q '"event":"typing".*"on":true' "$WORK/bwatch" || gone && break
	sleep 0.1
done
enter
for _ in $(seq 150); do
	hist bob "$A" dir text | grep -qxF "in|$R" || gone && break
	sleep 0.1
done
check_eq "Enter sends it: bob received exactly that text" "in|$R" \
	"$(hist bob "$A" dir text | grep -F "$R")"
for _ in $(seq 50); do
	grep -q '"event":"typing".*"on":false' "$WORK/bwatch" || gone && break
	sleep 0.1
done
kill "$BW" 2>/dev/null
wait "$BW" 2>/dev/null
check_eq "bob's watch saw alice typing, then stopping" \
	"typing|$A|true typing|$A|false" \
	"$(grep '"event":"typing"' "$WORK/bwatch" | js event with on |
		paste -sd ' ')"
check_screen "the compose line is empty again" "^>\$" 5
check_screen "her reply reaches [delivered] on her screen" \
	"-> $R  \[(delivered|read)\]\$" 20
tc bob read "$A" >/dev/null 2>&1
check_screen "bob reads it: [read]" "-> $R  \[read\]\$" 20
check_screen "having answered, bob is a contact: no [request] mark" \
	"^ $B +│" 10

# --- commands ---

keys "/new Bob@Example.org"
enter
check_screen "/new with a bad handle: why, on the status line" \
	"^ /new: the handle 'Bob@Example.org' has an upper-case letter" 5
keys "/new carol@example.org"
enter
check_screen "/new with a good handle opens it ([new]), selected on top" \
	"^ ternchat  $A +carol@example\.org \[new\] *\$" 5
tm send-keys -t chat Down 2>/dev/null
check_screen "Down goes back to bob's conversation" \
	"^ ternchat  $A +$B *\$" 5

# --- resizing ---

tm resize-window -t chat -x 72 -y 20 2>/dev/null
for _ in $(seq 50); do
	[ "$(screen | wc -l)" = 20 ] || gone && break
	sleep 0.1
done
SCR=$(screen)
check "resized to 72x20: drawn again at that size, the reply still shown" \
	"^20 72 1\|.{24}│.*\|>\$" \
	"$(printf '%s\n' "$SCR" | wc -l) $(tm display -p -t chat \
		'#{pane_width}' 2>/dev/null) $(printf '%s\n' "$SCR" |
		grep -c -- "-> reply from alice")|$(printf '%s\n' "$SCR" |
		sed -n 2p)|$(printf '%s\n' "$SCR" | sed -n 20p)"
T3="after the resize"
tc bob send "$A" "$T3" >/dev/null 2>&1
check_screen "... and messages still arrive" "<- $T3\$" 15

# --- leaving ---

keys "/quit"
enter
for _ in $(seq 50); do
	[ -s "$WORK/ternchat.rc" ] && break
	sleep 0.1
done
check_eq "/quit: ternchat exits 0" "0" "$(cat "$WORK/ternchat.rc" 2>&1)"
check_eq "its stderr is empty: no sanitizer report" "" \
	"$(head -5 "$WORK/ternchat.err")"

td_stop alice
td_stop bob
kill -TERM "$GWPID"
wait "$GWPID"
GWRC=$?
dird_stop
check "every daemon exits 0 on SIGTERM, no sanitizer report in any log" \
	'^ alice=0 bob=0 0 0 0 0$' \
	"$TSTOPS $GWRC $STOP $(cat "$WORK"/alice.log "$WORK"/bob.log \
		"$WORK"/gw.log | grep -Ec "Sanitizer|runtime error")"

ktap_finished
