#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A minimal client of tern-directoryd for the tests: registers accounts and
adds devices with keys made and signatures computed by the openssl command,
over HTTPS with curl (Documentation/directory.rst, "Signed requests").

  dirclient.py URL CA register HANDLE ACCOUNT.pem INVITE
  dirclient.py URL CA register-email HANDLE ACCOUNT.pem CODE
  dirclient.py URL CA request-code HANDLE
  dirclient.py URL CA add-device HANDLE ACCOUNT.pem SEQ DEVICE.pem X25519.pem
  dirclient.py URL CA rotate HANDLE OLD.pem SEQ NEW.pem [WRONG.pem]
  dirclient.py URL CA claim HANDLE CLAIMER DEVICE_ID DEVICE.pem
  dirclient.py URL CA add-prekeys HANDLE DEVICE_ID DEVICE.pem FIRST COUNT

Prints the directory's answer (JSON) and exits 0 on a 2xx status, else 1.
"""
import base64
import json
import struct
import subprocess
import sys
import tempfile
import time


def raw_pub(pem):
    der = subprocess.run(["openssl", "pkey", "-in", pem, "-pubout",
                          "-outform", "DER"], check=True,
                         capture_output=True).stdout
    return der[-32:]


def sign(pem, label, msg):
    with tempfile.NamedTemporaryFile() as f:
        f.write(label.encode() + b"\0" + msg)
        f.flush()
        return subprocess.run(["openssl", "pkeyutl", "-sign", "-rawin",
                               "-inkey", pem, "-in", f.name], check=True,
                              capture_output=True).stdout


def b64(b):
    return base64.b64encode(b).decode()


def post(url, ca, path, account, payload):
    body = json.dumps(payload).encode()
    env = {"payload": b64(body),
           "signature": b64(sign(account, "tern-directory-request v1", body))}
    r = subprocess.run(["curl", "-s", "--cacert", ca, "-X", "POST",
                        "--data-binary", "@-", "-w", "\n%{http_code}",
                        url + path], input=json.dumps(env).encode(),
                       capture_output=True, check=True)
    out, code = r.stdout.decode().rsplit("\n", 1)
    print(out)
    return 0 if code.startswith("2") else 1


def prekey(dev, kind, kid, key):
    msg = bytes([kind]) + struct.pack(">I", kid) + key
    return {"id": kid, "key": b64(key),
            "signature": b64(sign(dev, "tern-prekey v1", msg))}


def main(argv):
    url, ca, cmd = argv[1], argv[2], argv[3]
    if cmd == "register":
        handle, account, invite = argv[4:7]
        return post(url, ca, "/v1/register", account,
                    {"op": "register", "handle": handle,
                     "account_key": b64(raw_pub(account)),
                     "invite": invite})
    if cmd == "register-email":
        handle, account, code = argv[4:7]
        return post(url, ca, "/v1/register", account,
                    {"op": "register", "handle": handle,
                     "account_key": b64(raw_pub(account)),
                     "email_code": code})
    if cmd == "request-code":
        r = subprocess.run(["curl", "-s", "--cacert", ca, "-X", "POST",
                            "--data-binary",
                            json.dumps({"handle": argv[4]}),
                            "-w", "\n%{http_code}",
                            url + "/v1/register/code"],
                           capture_output=True, check=True)
        out, code = r.stdout.decode().rsplit("\n", 1)
        print(out)
        return 0 if code.startswith("2") else 1
    if cmd == "add-device":
        handle, account, seq, dev, xkey = argv[4:9]
        x = raw_pub(xkey)
        device = {
            "identity_key": b64(raw_pub(dev)),
            "identity_x25519": b64(x),
            "x25519_signature": b64(sign(dev, "tern-x25519 v1", x)),
            "push_token": b64(bytes(range(16))),
            "signed_prekey": prekey(dev, 1, 1, bytes([1] * 32)),
            "last_resort_prekey": prekey(dev, 2, 2, bytes([2] * 32)),
            "kem_prekey": None,
            "one_time_prekeys": [{"id": 100 + i, "key": b64(bytes([i] * 32))}
                                 for i in range(3)],
        }
        return post(url, ca, "/v1/accounts/%s/devices" % handle, account,
                    {"op": "add-device", "handle": handle, "seq": int(seq),
                     "device": device})
    if cmd == "rotate":
        handle, old, seq, new = argv[4:8]
        prover = argv[8] if len(argv) > 8 else new
        msg = handle.encode() + b"\0" + struct.pack(">Q", int(seq))
        return post(url, ca, "/v1/accounts/%s/rotate" % handle, old,
                    {"op": "rotate", "handle": handle, "seq": int(seq),
                     "new_account_key": b64(raw_pub(new)),
                     "new_key_signature":
                         b64(sign(prover, "tern-account-key v1", msg))})
    if cmd == "claim":
        handle, claimer, dev_id, dev = argv[4:8]
        return post(url, ca, "/v1/claim", dev,
                    {"op": "claim", "handle": handle, "claimer": claimer,
                     "claimer_device": dev_id,
                     "timestamp_ms": int(time.time() * 1000)})
    if cmd == "add-prekeys":
        handle, dev_id, dev, first, count = argv[4:9]
        keys = [{"id": int(first) + i,
                 "key": b64(struct.pack(">I", int(first) + i) * 8)}
                for i in range(int(count))]
        return post(url, ca, "/v1/accounts/%s/devices/%s/prekeys"
                    % (handle, dev_id), dev,
                    {"op": "add-prekeys", "handle": handle,
                     "device_id": dev_id, "one_time_prekeys": keys})
    print("unknown command " + cmd, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
