#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# An independent client's check of tern-directoryd's answers, written from
# Documentation/directory.rst alone ("Key transparency", "Checking a
# lookup"): nothing here comes from the C code. Standard library only
# (Debian's plain python3); Ed25519 signatures and the RSA key's modulus
# come from the openssl command line.
#
#   kt_verify.py head --keys KEYS HEAD.json
#   kt_verify.py lookup --keys KEYS --handle H [--seen HEAD.json]
#                       [--max-age-ms N] ANSWER.json
#   kt_verify.py consistency --keys KEYS OLD-HEAD.json NEW-HEAD.json
#                            PROOF.json
#   kt_verify.py claim --keys KEYS --handle H LOOKUP.json CLAIM.json
#
# claim checks a prekey claim's answer against the handle's lookup answer
# (which it verifies first): one entry for each of the handle's devices,
# each one-time prekey well formed or null, each last-resort prekey
# signed by the device's identity key; it prints the one-time prekeys it
# got as DEVICE-ID:ID words.
#
# KEYS is what `tern-directoryd --show-keys` prints ("head-key = base64"
# and "vrf-key = base64 of the RSA key's SubjectPublicKeyInfo"), the keys a
# client pins. Each command prints one line, "OK ..." or "FAIL: reason",
# and exits 0 when the answer holds, 1 when it does not, 2 on bad usage.
# Nothing secret passes through here: only public keys and proofs.

import base64
import binascii
import hashlib
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

HASH_LEN = 32
ZERO = bytes(HASH_LEN)
ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
MAX_HEAD_AGE_MS = 10 * 60 * 1000   # "max-head-age, default 10 minutes"


class Bad(Exception):
    pass


def sha256(*parts):
    h = hashlib.sha256()
    for p in parts:
        h.update(p)
    return h.digest()


def be64(v):
    return struct.pack(">Q", v)


# --- JSON and base64, read strictly ----------------------------------------

def b64(value, what, length=None):
    """Standard base64 with padding, decoded strictly (RFC 4648 s. 4)."""
    if not isinstance(value, str):
        raise Bad("%s: not a string" % what)
    try:
        raw = base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise Bad("%s: not base64" % what)
    if base64.b64encode(raw).decode("ascii") != value:
        raise Bad("%s: not canonical base64" % what)
    if length is not None and len(raw) != length:
        raise Bad("%s: %d bytes, want %d" % (what, len(raw), length))
    return raw


def uint(value, what, bits=64):
    if isinstance(value, bool) or not isinstance(value, int):
        raise Bad("%s: not an integer" % what)
    if value < 0 or value >= 1 << bits:
        raise Bad("%s: out of range" % what)
    return value


def obj(value, what, required, optional=()):
    """An object with exactly the documented fields."""
    if not isinstance(value, dict):
        raise Bad("%s: not an object" % what)
    for k in required:
        if k not in value:
            raise Bad("%s.%s: missing" % (what, k))
    for k in value:
        if k not in required and k not in optional:
            raise Bad("%s: field '%s' the document does not define" %
                      (what, k))
    return value


def hashes(value, what):
    if not isinstance(value, list):
        raise Bad("%s: not an array" % what)
    return [b64(h, "%s[%d]" % (what, i), HASH_LEN)
            for i, h in enumerate(value)]


def load_json(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
        return json.loads(data.decode("utf-8"))
    except (OSError, ValueError) as e:
        raise Bad("%s: not JSON (%s)" % (path, e))


def load_keys(path):
    """The pinned keys: --show-keys output, "name = value" lines."""
    keys = {}
    try:
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.split("=", 1)
                    keys[k.strip()] = v.strip()
    except OSError as e:
        raise Bad("keys: %s" % e)
    if "head-key" not in keys or "vrf-key" not in keys:
        raise Bad("keys: want head-key and vrf-key lines")
    head = b64(keys["head-key"], "head-key", 32)
    vrf = b64(keys["vrf-key"], "vrf-key")
    return head, vrf


# --- Ed25519, with openssl ------------------------------------------------

def ed25519_verify(raw_key, msg, sig):
    """True when @sig is @raw_key's Ed25519 signature over @msg."""
    if len(raw_key) != 32 or len(sig) != 64:
        return False
    with tempfile.TemporaryDirectory(prefix="kt-verify.") as d:
        paths = {}
        for name, data in (("key.der", ED25519_SPKI_PREFIX + raw_key),
                           ("msg", msg), ("sig", sig)):
            paths[name] = os.path.join(d, name)
            with open(paths[name], "wb") as f:
                f.write(data)
        r = subprocess.run(["openssl", "pkeyutl", "-verify", "-rawin",
                            "-pubin", "-keyform", "DER",
                            "-inkey", paths["key.der"], "-in", paths["msg"],
                            "-sigfile", paths["sig"]],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode == 0 and b"Verified Successfully" in r.stdout


# --- The signed head ------------------------------------------------------

def parse_head(h, what="head"):
    obj(h, what, ("size", "timestamp_ms", "root", "signature"))
    return {
        "size": uint(h["size"], what + ".size"),
        "timestamp_ms": uint(h["timestamp_ms"], what + ".timestamp_ms"),
        "root": b64(h["root"], what + ".root", HASH_LEN),
        "signature": b64(h["signature"], what + ".signature", 64),
    }


def head_tbs(h):
    # "tern-kt sth v1" 0x00 || size (u64 BE) || timestamp ms (u64 BE)
    # || log root (32 bytes)
    return (b"tern-kt sth v1\x00" + be64(h["size"]) +
            be64(h["timestamp_ms"]) + h["root"])


def check_head(h, head_key, what="head"):
    if not ed25519_verify(head_key, head_tbs(h), h["signature"]):
        raise Bad("%s: the signature does not verify under the pinned "
                  "head key" % what)
    if h["size"] < 1:
        raise Bad("%s: size 0 (no epoch)" % what)


def check_age(h, max_age_ms):
    now = int(time.time() * 1000)
    if max_age_ms and now - h["timestamp_ms"] > max_age_ms:
        raise Bad("head: %d ms old, more than %d" %
                  (now - h["timestamp_ms"], max_age_ms))
    if h["timestamp_ms"] > now + 60000:
        raise Bad("head: timestamp in the future")


# --- The log: RFC 9162 -----------------------------------------------------

def leaf_hash(d):
    return sha256(b"\x00", d)


def node_hash(left, right):
    return sha256(b"\x01", left, right)


def epoch_leaf(epoch, map_root):
    # "tern-kt epoch v1" 0x00 || epoch (u64 BE) || map root (32 bytes)
    return b"tern-kt epoch v1\x00" + be64(epoch) + map_root


def verify_inclusion(index, size, leaf, path, root):
    """RFC 9162 2.1.3.2."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash(leaf)
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, first_root, second_root, path):
    """RFC 9162 2.1.4.2 (and an empty proof between equal sizes)."""
    if first < 1 or first > second:
        return False
    if first == second:
        return not path and first_root == second_root
    if not path:
        return False
    path = list(path)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- The VRF: RSA-FDH-VRF-SHA256, RFC 9381 section 4 ------------------------

def rsa_public(spki_der):
    """(n, e) of the RSA SubjectPublicKeyInfo, read by openssl."""
    with tempfile.TemporaryDirectory(prefix="kt-verify.") as d:
        p = os.path.join(d, "vrf.der")
        with open(p, "wb") as f:
            f.write(spki_der)
        r = subprocess.run(["openssl", "rsa", "-pubin", "-inform", "DER",
                            "-in", p, "-modulus", "-text", "-noout"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if r.returncode:
        raise Bad("vrf-key: not an RSA public key")
    n = e = None
    for line in r.stdout.decode("ascii", "replace").splitlines():
        line = line.strip()
        if line.startswith("Modulus="):
            n = int(line[len("Modulus="):], 16)
        elif line.startswith("Exponent:"):
            e = int(line.split()[1])
    if n is None or e is None:
        raise Bad("vrf-key: no modulus or exponent")
    if n.bit_length() < 2048 or e != 65537:
        raise Bad("vrf-key: not a key a client accepts (%d bits, e=%d)" %
                  (n.bit_length(), e))
    return n, e


def i2osp(x, length):
    if x >= 256 ** length:
        raise Bad("integer too large")
    return x.to_bytes(length, "big")


def mgf1_sha256(seed, length):
    out = b""
    counter = 0
    while len(out) < length:
        out += sha256(seed, i2osp(counter, 4))
        counter += 1
    return out[:length]


def vrf_verify(n, e, alpha, pi):
    """RSAFDHVRF_verify: beta, or Bad."""
    suite = b"\x01"            # RSA-FDH-VRF-SHA256
    k = (n.bit_length() + 7) // 8
    if len(pi) != k:
        raise Bad("vrf: proof of %d bytes, want %d" % (len(pi), k))
    s = int.from_bytes(pi, "big")
    if s >= n:
        raise Bad("vrf: proof out of range")
    m = pow(s, e, n)
    if m >= 256 ** (k - 1):
        raise Bad("vrf: the proof is not the handle's")
    em = i2osp(m, k - 1)
    salt = i2osp(k, 4) + i2osp(n, k)
    if mgf1_sha256(suite + b"\x01" + salt + alpha, k - 1) != em:
        raise Bad("vrf: the proof is not the handle's")
    return sha256(suite, b"\x02", pi)


# --- The map ----------------------------------------------------------------

def bit(b, i):
    """Bit i of a 256-bit string, the most significant bit first."""
    return (b[i // 8] >> (7 - i % 8)) & 1


def verify_map(root, key, value, proof):
    """@value None: the key must be absent. Raises Bad."""
    end = proof.get("end") if isinstance(proof, dict) else None
    if end == "absent-other":
        obj(proof, "proof.map", ("end", "depth", "empty", "siblings",
                                 "other_key", "other_value"))
    else:
        obj(proof, "proof.map", ("end", "depth", "empty", "siblings"))
    depth = uint(proof["depth"], "proof.map.depth")
    if depth > 256:
        raise Bad("proof.map.depth: above 256")
    empty = b64(proof["empty"], "proof.map.empty", 32)
    sibs = hashes(proof["siblings"], "proof.map.siblings")
    empties = sum(bit(empty, i) for i in range(256))
    if any(bit(empty, i) for i in range(depth, 256)):
        raise Bad("proof.map: an empty bit past the path")
    if len(sibs) != depth - empties:
        raise Bad("proof.map: %d siblings, the bitmap says %d" %
                  (len(sibs), depth - empties))
    if depth and bit(empty, depth - 1):
        raise Bad("proof.map: not canonical (the path ends beside an "
                  "empty subtree)")
    if end == "present":
        if value is None:
            raise Bad("proof.map: 'present' for an absent entry")
        h = sha256(b"\x00", key, value)
    elif end == "absent-empty":
        if value is not None:
            raise Bad("proof.map: absent for a present entry")
        h = ZERO
    elif end == "absent-other":
        if value is not None:
            raise Bad("proof.map: absent for a present entry")
        ok = b64(proof["other_key"], "proof.map.other_key", HASH_LEN)
        ov = b64(proof["other_value"], "proof.map.other_value", HASH_LEN)
        if ok == key:
            raise Bad("proof.map: the 'other' leaf is the key itself")
        if any(bit(ok, i) != bit(key, i) for i in range(depth)):
            raise Bad("proof.map: the 'other' leaf is off the key's path")
        h = sha256(b"\x00", ok, ov)
    else:
        raise Bad("proof.map.end: not present, absent-empty or "
                  "absent-other")
    nxt = len(sibs)
    for i in range(depth - 1, -1, -1):
        if bit(empty, i):
            s = ZERO
        else:
            nxt -= 1
            s = sibs[nxt]
        h = sha256(b"\x01", s, h) if bit(key, i) else sha256(b"\x01", h, s)
    if h != root:
        raise Bad("proof.map: does not lead to map_root")


# --- The entry ----------------------------------------------------------------

DEVICE_FIELDS = ("device_id", "identity_key", "identity_x25519",
                 "x25519_signature", "push_token", "signed_prekey",
                 "kem_prekey")


def check_prekey(p, what, kind, ik, key_len):
    obj(p, what, ("id", "key", "signature"))
    pid = uint(p["id"], what + ".id", 32)
    key = b64(p["key"], what + ".key", key_len)
    if key_len is None and not key:
        raise Bad("%s.key: empty" % what)
    sig = b64(p["signature"], what + ".signature", 64)
    msg = b"tern-prekey v1\x00" + bytes([kind]) + struct.pack(">I", pid) + key
    if not ed25519_verify(ik, msg, sig):
        raise Bad("%s.signature: does not verify under the identity key" %
                  what)


def entry_commitment(account):
    """SHA-256 of the canonical encoding; also checks every device."""
    obj(account, "account", ("account_key", "seq", "devices"))
    akey = b64(account["account_key"], "account.account_key", 32)
    seq = uint(account["seq"], "account.seq")
    devs = account["devices"]
    if not isinstance(devs, list):
        raise Bad("account.devices: not an array")
    if len(devs) > 16:
        raise Bad("account.devices: more than 16")
    enc = []
    for i, d in enumerate(devs):
        w = "account.devices[%d]" % i
        obj(d, w, DEVICE_FIELDS)
        did = d["device_id"]
        if not isinstance(did, str) or len(did) != 32 or \
                any(c not in "0123456789abcdef" for c in did):
            raise Bad("%s.device_id: not 32 lowercase hex digits" % w)
        ik = b64(d["identity_key"], w + ".identity_key", 32)
        if sha256(ik)[:16].hex() != did:
            raise Bad("%s.device_id: not the identity key's" % w)
        xk = b64(d["identity_x25519"], w + ".identity_x25519", 32)
        xs = b64(d["x25519_signature"], w + ".x25519_signature", 64)
        tok = b64(d["push_token"], w + ".push_token", 16)
        if not ed25519_verify(ik, b"tern-x25519 v1\x00" + xk, xs):
            raise Bad("%s.x25519_signature: does not verify under the "
                      "identity key" % w)
        check_prekey(d["signed_prekey"], w + ".signed_prekey", 1, ik, 32)
        if d["kem_prekey"] is not None:
            check_prekey(d["kem_prekey"], w + ".kem_prekey", 3, ik, None)
        enc.append((bytes.fromhex(did), ik, xk, xs, tok))
    enc.sort(key=lambda t: t[0])
    if any(enc[i][0] == enc[i + 1][0] for i in range(len(enc) - 1)):
        raise Bad("account.devices: a device id twice")
    # SHA-256("tern-kt entry v1" 0x00 || account_key || seq (u64 BE)
    #         || device count (u16 BE) || per device, by device id:
    #            device_id (16) || identity_key (32) || identity_x25519 (32)
    #            || x25519_signature (64) || push_token (16))
    b = b"tern-kt entry v1\x00" + akey + be64(seq) + struct.pack(">H",
                                                                 len(enc))
    for t in enc:
        b += b"".join(t)
    return sha256(b), seq, len(enc)


# --- The commands -------------------------------------------------------------

def cmd_head(keys, path):
    head_key, _ = load_keys(keys)
    h = parse_head(load_json(path))
    check_head(h, head_key)
    return "OK head size=%d" % h["size"]


def check_seen(seen, h, proof):
    """A head seen before and the answer's: consistent, no rollback."""
    if seen["size"] > h["size"]:
        raise Bad("rollback: the head has size %d, one of size %d was "
                  "seen before" % (h["size"], seen["size"]))
    if "consistency" not in proof:
        raise Bad("proof.consistency: missing (ask with ?since=%d)" %
                  seen["size"])
    path = hashes(proof["consistency"], "proof.consistency")
    if not verify_consistency(seen["size"], h["size"], seen["root"],
                              h["root"], path):
        raise Bad("proof.consistency: from size %d to %d does not hold: "
                  "the log was forked" % (seen["size"], h["size"]))


def cmd_lookup(keys, handle, answer, seen_path, max_age_ms):
    head_key, vrf_spki = load_keys(keys)
    a = load_json(answer)
    if not isinstance(a, dict):
        raise Bad("answer: not an object")
    present = a.get("present")
    if present is True:
        obj(a, "answer", ("handle", "present", "account", "proof"))
    elif present is False:
        obj(a, "answer", ("handle", "present", "proof"))
    else:
        raise Bad("answer.present: not true or false")
    if a["handle"] != handle:
        raise Bad("answer.handle: another handle than the one asked for")
    p = obj(a["proof"], "proof",
            ("head", "epoch", "map_root", "inclusion", "vrf", "map"),
            ("consistency",))
    # 1. The head: signature and age.
    h = parse_head(p["head"], "proof.head")
    check_head(h, head_key, "proof.head")
    check_age(h, max_age_ms)
    if seen_path:
        seen = parse_head(load_json(seen_path), "seen head")
        check_head(seen, head_key, "seen head")
        check_seen(seen, h, p)
    # 2. The epoch is the head's last leaf ...
    epoch = uint(p["epoch"], "proof.epoch")
    if epoch != h["size"] - 1:
        raise Bad("proof.epoch: %d is not the head's last epoch (%d)" %
                  (epoch, h["size"] - 1))
    # 3. ... included under the head's root.
    map_root = b64(p["map_root"], "proof.map_root", HASH_LEN)
    inc = hashes(p["inclusion"], "proof.inclusion")
    if not verify_inclusion(epoch, h["size"], epoch_leaf(epoch, map_root),
                            inc, h["root"]):
        raise Bad("proof.inclusion: the epoch is not in the head's log")
    # 4. The VRF gives the handle's map key.
    n, e = rsa_public(vrf_spki)
    pi = b64(p["vrf"], "proof.vrf")
    key = vrf_verify(n, e, handle.encode("utf-8"), pi)
    # 5. The entry's commitment (and its devices' signatures), or absence.
    value = None
    seq = ndev = 0
    if present:
        value, seq, ndev = entry_commitment(a["account"])
    verify_map(map_root, key, value, p["map"])
    if present:
        return "OK present seq=%d devices=%d epoch=%d size=%d" % (
            seq, ndev, epoch, h["size"])
    return "OK absent %s epoch=%d size=%d" % (p["map"]["end"], epoch,
                                              h["size"])


def cmd_consistency(keys, old_path, new_path, proof_path):
    head_key, _ = load_keys(keys)
    old = parse_head(load_json(old_path), "old head")
    new = parse_head(load_json(new_path), "new head")
    check_head(old, head_key, "old head")
    check_head(new, head_key, "new head")
    c = obj(load_json(proof_path), "answer", ("from", "to", "proof"))
    if uint(c["from"], "from") != old["size"] or \
            uint(c["to"], "to") != new["size"]:
        raise Bad("answer: from/to are not the heads' sizes")
    path = hashes(c["proof"], "proof")
    if not verify_consistency(old["size"], new["size"], old["root"],
                              new["root"], path):
        raise Bad("proof: from size %d to %d does not hold" %
                  (old["size"], new["size"]))
    return "OK consistent %d %d" % (old["size"], new["size"])


def cmd_claim(keys, handle, lookup_path, claim_path):
    cmd_lookup(keys, handle, lookup_path, None, MAX_HEAD_AGE_MS)
    a = load_json(lookup_path)
    if not a["present"]:
        raise Bad("lookup: the handle is absent")
    iks = {d["device_id"]: b64(d["identity_key"], "identity_key", 32)
           for d in a["account"]["devices"]}
    c = obj(load_json(claim_path), "claim", ("handle", "devices"))
    if c["handle"] != handle:
        raise Bad("claim.handle: another handle than the one asked for")
    if not isinstance(c["devices"], list):
        raise Bad("claim.devices: not an array")
    got, words = set(), []
    for i, d in enumerate(c["devices"]):
        w = "claim.devices[%d]" % i
        obj(d, w, ("device_id", "one_time_prekey", "last_resort_prekey"))
        did = d["device_id"]
        if did not in iks:
            raise Bad("%s.device_id: not a device of the handle" % w)
        if did in got:
            raise Bad("%s.device_id: twice" % w)
        got.add(did)
        ot = d["one_time_prekey"]
        if ot is not None:
            obj(ot, w + ".one_time_prekey", ("id", "key"))
            oid = uint(ot["id"], w + ".one_time_prekey.id", 32)
            b64(ot["key"], w + ".one_time_prekey.key", 32)
            words.append("%s:%d" % (did, oid))
        check_prekey(d["last_resort_prekey"], w + ".last_resort_prekey", 2,
                     iks[did], 32)
    if got != set(iks):
        raise Bad("claim.devices: not one entry for each device")
    return " ".join(["OK claim devices=%d one_time=%d" % (len(got),
                                                          len(words))] +
                    sorted(words))


def usage():
    sys.stderr.write(
        "usage: kt_verify.py head --keys KEYS HEAD.json\n"
        "       kt_verify.py lookup --keys KEYS --handle H [--seen HEAD.json]"
        " [--max-age-ms N] ANSWER.json\n"
        "       kt_verify.py consistency --keys KEYS OLD.json NEW.json "
        "PROOF.json\n"
        "       kt_verify.py claim --keys KEYS --handle H LOOKUP.json "
        "CLAIM.json\n")
    sys.exit(2)


def main(argv):
    if not argv:
        usage()
    cmd, rest = argv[0], argv[1:]
    opts, args = {}, []
    i = 0
    while i < len(rest):
        if rest[i] in ("--keys", "--handle", "--seen", "--max-age-ms"):
            if i + 1 == len(rest):
                usage()
            opts[rest[i]] = rest[i + 1]
            i += 2
        else:
            args.append(rest[i])
            i += 1
    if "--keys" not in opts:
        usage()
    try:
        if cmd == "head" and len(args) == 1:
            out = cmd_head(opts["--keys"], args[0])
        elif cmd == "lookup" and len(args) == 1 and "--handle" in opts:
            out = cmd_lookup(opts["--keys"], opts["--handle"], args[0],
                             opts.get("--seen"),
                             int(opts.get("--max-age-ms", MAX_HEAD_AGE_MS)))
        elif cmd == "consistency" and len(args) == 3:
            out = cmd_consistency(opts["--keys"], *args)
        elif cmd == "claim" and len(args) == 2 and "--handle" in opts:
            out = cmd_claim(opts["--keys"], opts["--handle"], *args)
        else:
            usage()
    except Bad as e:
        print("FAIL: %s" % e)
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
