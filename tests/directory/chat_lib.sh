# SPDX-License-Identifier: GPL-2.0
#
# What the scripts that message through ternd's client API share (sourced
# after dir_lib.sh, dir_setup and ternd_lib.sh; they set WORK, TERNCTL):
#
#   chat_env N     a private CA (CA), the directory with N invites (INV),
#                  its keys (HEADKEY, VRFKEY) and the gateway running;
#                  DOPTS the ternds' directory options
#   check_eq NAME EXPECTED ACTUAL   a check of equal strings
#   tc NAME CMD ARGS...             ternctl CMD with ternd NAME's socket
#   js FIELD...                     fields of JSON lines, '|'-joined
#   api NAME LINE...                raw lines to NAME's client API
#   apist NAME KEY...               NAME's API status
#   hist NAME PEER FIELD...         NAME's history with PEER
#   wait_state NAME PEER ID STATE SECONDS
#   sendj NAME TO TEXT              ternctl send -j; ID its message id
#   wj NAME ARGS...                 ternctl watch -j; W, WRC

# check_eq NAME EXPECTED ACTUAL: a check of equal strings.
check_eq() {
	if [ "$2" = "$3" ]; then
		ktap_test_pass "$1"
	else
		echo "# expected:"
		printf '%s\n' "$2" | sed 's/^/#   /'
		echo "# got:"
		printf '%s\n' "$3" | sed 's/^/#   /'
		ktap_test_fail "$1"
	fi
}

# tc NAME CMD ARGS...: ternctl CMD with ternd NAME's control socket.
tc() {
	local name=$1 cmd=$2

	shift 2
	timeout 30 "$TERNCTL" "$cmd" -S "$WORK/$name/ternd.sock" "$@"
}

# js FIELD...: for each JSON object on stdin (one a line), its FIELDs
# joined by '|' (strings as they are, others as JSON, ABSENT if absent).
js() {
	python3 -c '
import json, sys
for line in sys.stdin.buffer.read().decode("utf-8").splitlines():
    try:
        d = json.loads(line)
    except ValueError:
        print("not JSON: " + line)
        continue
    v = [d[k] if isinstance(d.get(k), str) else
         json.dumps(d[k], ensure_ascii=False) if k in d else "ABSENT"
         for k in sys.argv[1:]]
    print("|".join(v))' "$@"
}

# api NAME LINE...: each LINE to ternd NAME's client API on one
# connection, each answer printed. Special lines: @MAX a send to bob of
# 16384 bytes of text, @LONG of 16385, @BIG a line of 70000 bytes (after
# its answer, CLOSED or OPEN says whether ternd closed the connection).
api() {
	python3 - "$WORK/$1/ternd-api.sock" "${@:2}" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rb")
special = {
    "@MAX": {"op": "send", "to": "bob@example.org", "text": "\u00e9" * 8192},
    "@LONG": {"op": "send", "to": "bob@example.org",
              "text": "\u00e9" * 8192 + "x"},
    "@BIG": {"op": "status", "pad": "x" * 70000},
}
for line in sys.argv[2:]:
    if line in special:
        data = json.dumps(special[line]).encode()
    else:
        data = line.encode()
    try:
        s.sendall(data + b"\n")
        ans = f.readline()
    except OSError as e:
        print("ERROR " + str(e))
        break
    if not ans:
        print("CLOSED")
        break
    print(ans.decode().rstrip("\n"))
    if line == "@BIG":
        # Closed: the end, or a reset (ternd closed it with our line
        # unread); open: a timeout.
        try:
            print("CLOSED" if not f.readline() else "OPEN")
        except ConnectionResetError:
            print("CLOSED")
        except OSError as e:
            print("OPEN " + str(e))
PY
}

# apist NAME KEY...: the KEYs of ternd NAME's API status.
apist() {
	api "$1" '{"op":"status"}' | js "${@:2}"
}

# hist NAME PEER FIELD...: FIELDs of each message of NAME's history with
# PEER, oldest first.
hist() {
	tc "$1" history -n 1000 -j "$2" 2>&1 | js "${@:3}"
}

# wait_state NAME PEER ID STATE SECONDS: until message ID of NAME's history
# with PEER is in STATE.
wait_state() {
	for _ in $(seq $(($5 * 10))); do
		hist "$1" "$2" id state | grep -x "$3|$4" >/dev/null &&
			return 0
		sleep 0.1
	done
	return 1
}

# sendj NAME TO TEXT: ternctl send -j; ID: the message id.
sendj() {
	ID=$(tc "$1" send -j "$2" "$3" 2>&1 | js id)
}

# wj NAME ARGS...: ternctl watch -j: W its output, WRC its exit status.
wj() {
	local name=$1

	shift
	W=$(tc "$name" watch -j "$@" 2>"$WORK/werr")
	WRC=$?
}


chat_env() {
	"$top/tools/pki" gateway "$WORK/pki" gw.test "$ADDR" >/dev/null ||
		ktap_exit_fail_msg "tools/pki failed"
	CA=$WORK/pki/ca.crt
	"$DIRD" --data "$WORK/data" --add-invites "$1" >"$WORK/invites" ||
		ktap_exit_fail_msg "cannot make invites"
	"$DIRD" --data "$WORK/data" --show-keys >"$WORK/keys" ||
		ktap_exit_fail_msg "cannot show the keys"
	HEADKEY=$(sed -n 's/^head-key = //p' "$WORK/keys")
	VRFKEY=$(sed -n 's/^vrf-key = //p' "$WORK/keys")
	mapfile -t INV <"$WORK/invites"
	dird_start --claim-rate 0 --change-rate 0
	gw_start
	DOPTS=(--directory "$URL" --head-key "$HEADKEY" --vrf-key "$VRFKEY"
	       --prekeys 20 --directory-check 2s --lookup-cache 2s)
}
