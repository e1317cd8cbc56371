#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""
An independent implementation of Tern's end-to-end sessions, written from
Documentation/e2e.rst alone (not from daemon/e2e/), and of their sealed
sender layer, from Documentation/messaging.rst's "Sealed sender", with
Python's standard library and the `cryptography` package (Debian 12:
python3-cryptography).

It writes known-answer vectors, as JSON on stdout, that kat_replay.c replays
with libterne2e and compares byte for byte:

  {"x3dh": [{"ik_a", "ek_a", "ik_b", "spk_b", "opk_b": private keys,
             "sk", "ad": what both sides derive}, ...],
   "sessions": [{"name", "sk", "ad", "spk_b": private key,
                 "alice_keys": the ratchet key pairs Alice makes, in order
                               (her first at init, then one per DH step),
                 "bob_keys": Bob's, in order, one per DH step (his first
                             ratchet key, SPK_B, is not in this list),
                 "events": [...]}, ...],
   "padding": [{"len": N, "content": N bytes, "padded": the padded
                bytes}, ...],
   "unpad_bad": [{"buf": a malformed padded buffer, "why"}, ...],
   "unpad_ok": [{"buf": a well-formed padded buffer that pad() does not
                 make (a bucket larger than the smallest), "len": the
                 content's length, "why"}, ...],
   "safety": [{"handle_a", "key_a": account key, "handle_b", "key_b",
               "half_a", "half_b": 30 digits each, "number": 60 digits},
              ...],
   "sealed": [{"ik_r": the recipient's private identity key, "e": the
               ephemeral private key, "inner", "sealed": what sealing
               inner to IK_R with e gives, "why"}, ...],
   "sealed_bad": [{"ik_r": private key, "sealed": bytes that must not
                   open, "error": "short"|"version"|"low-order"|"forged",
                   "why"}, ...]}

All byte strings are lower-case hex. Events:

  {"op": "send", "from": P, "id": I, "pt": PT, "msg": header||ct||tag}
  {"op": "send", "from": P, "error": "cannot-send"}
  {"op": "recv", "to": P, "id": I, "pt": PT}          message I opens to PT
  {"op": "recv", "to": P, "id": I, "error": "replay"|"too-far"|"forged"}
  {"op": "recv", "to": P, "msg": M, "error": "forged"|"replay", "why": W}
                                                      a made-up message

Key pairs are handed out in order, one per DH ratchet step kept: a new
DHs is made only once the message that brought the new ratchet key opened
(e2e.rst, "Decrypt", step 5). (The replay also rewinds its key source after
every failed decryption, so that a library that drew a key pair for a
message that then failed would still be checked against the same keys.)

Every private key and plaintext comes from SHA-256(seed || label || u32(i)),
so the output is the same on every run. Before writing, the vectors are
replayed from the JSON by this implementation itself, and each scenario
asserts the outcomes it expects, so a broken reference fails loudly.

Padding and safety numbers (e2e.rst, "Padding" and "Safety numbers") are
checked here too: every padded vector must unpad to its content, every
malformed buffer must be refused, and every safety number must be the
same with the two parties swapped.

Sealed sender (messaging.rst, "Sealed sender"), written from that section:
every sealed vector must open to its inner bytes and seal again to the
same bytes, and every sealed_bad one must be refused as it says: "short"
(under 1 + 32 + 16 bytes) and "version" (a first byte other than 0x01)
before any key is used, "low-order" (E gives an all-zero X25519 result),
"forged" (the tag does not verify: another recipient, a flipped bit, or
a message sealed with a salt, associated data or info not the spec's).

Usage: ref_e2e.py [--trace [SESSION]] [--check-only]
  --trace   print every derivation (SK, RK, CK, MK, AES key, nonce) to
            stderr, for all sessions or only SESSION; with no SESSION,
            also each safety number half's h(0), h(5199) and chunks
"""

import hashlib
import hmac
import json
import struct
import sys
from collections import OrderedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import (
    X25519PrivateKey, X25519PublicKey)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

KEY_LEN = 32
TAG_LEN = 16
HEADER_LEN = KEY_LEN + 8
OVERHEAD = HEADER_LEN + TAG_LEN
MAX_SKIP = 1000
MAX_SKIPPED = 2000
ZEROS = bytes(32)

TRACE = None            # None: off; "": every session; else one name
_trace_on = False


def trace(what, value):
    if _trace_on:
        if isinstance(value, (bytes, bytearray)):
            value = value.hex()
        print("  %-22s %s" % (what, value), file=sys.stderr)


# --- Primitives (e2e.rst, "Primitives") -------------------------------------

class DHError(Exception):
    pass


def public(priv):
    k = X25519PrivateKey.from_private_bytes(priv)
    return k.public_key().public_bytes(serialization.Encoding.Raw,
                                       serialization.PublicFormat.Raw)


def dh(priv, pub):
    """X25519 (RFC 7748); an all-zero result is refused."""
    try:
        out = X25519PrivateKey.from_private_bytes(priv).exchange(
            X25519PublicKey.from_public_bytes(pub))
    except ValueError as e:         # OpenSSL refuses the all-zero result
        raise DHError(str(e)) from e
    if out == ZEROS:
        raise DHError("all-zero DH result")
    return out


def hkdf(salt, ikm, info, length):
    """RFC 5869 with SHA-256."""
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt,
                info=info).derive(ikm)


def hmac256(key, data):
    return hmac.new(key, data, hashlib.sha256).digest()


def u32(n):
    return struct.pack(">I", n)


# --- The key agreement (e2e.rst, "The key agreement") -----------------------

AD_LABEL = b"tern-ad v1"


def x3dh_sk(dh1, dh2, dh3, dh4):
    ikm = b"\xff" * 32 + dh1 + dh2 + dh3 + dh4
    return hkdf(ZEROS, ikm, b"tern-x3dh v1", 32)


def x3dh_initiate(ik_a, ek_a, ik_b_pub, spk_b_pub, opk_b_pub):
    """Alice, with her private ik_a and ek_a, and Bob's public keys."""
    dh1 = dh(ik_a, spk_b_pub)
    dh2 = dh(ek_a, ik_b_pub)
    dh3 = dh(ek_a, spk_b_pub)
    dh4 = dh(ek_a, opk_b_pub)
    sk = x3dh_sk(dh1, dh2, dh3, dh4)
    ad = AD_LABEL + public(ik_a) + ik_b_pub
    trace("x3dh DH1..DH4", (dh1 + dh2 + dh3 + dh4).hex())
    trace("x3dh SK", sk)
    trace("x3dh AD", ad)
    return sk, ad


def x3dh_respond(ik_b, spk_b, opk_b, ik_a_pub, ek_a_pub):
    """Bob, with his private keys and Alice's public ik_a and ek_a."""
    dh1 = dh(spk_b, ik_a_pub)
    dh2 = dh(ik_b, ek_a_pub)
    dh3 = dh(spk_b, ek_a_pub)
    dh4 = dh(opk_b, ek_a_pub)
    sk = x3dh_sk(dh1, dh2, dh3, dh4)
    ad = AD_LABEL + ik_a_pub + public(ik_b)
    return sk, ad


# --- The ratchet (e2e.rst, "The ratchet") -----------------------------------

def kdf_rk(rk, dh_out):
    out = hkdf(rk, dh_out, b"tern-ratchet v1", 64)
    trace("KDF_RK in RK", rk)
    trace("KDF_RK in DH", dh_out)
    trace("KDF_RK out RK", out[:32])
    trace("KDF_RK out CK", out[32:])
    return out[:32], out[32:]


def kdf_ck(ck):
    """Returns (next chain key, message key)."""
    return hmac256(ck, b"\x02"), hmac256(ck, b"\x01")


def message_key(mk):
    out = hkdf(ZEROS, mk, b"tern-message v1", 44)
    trace("MK", mk)
    trace("AES key", out[:32])
    trace("nonce", out[32:])
    return out[:32], out[32:]


class RatchetError(Exception):
    """kind: cannot-send, replay, too-far or forged."""

    def __init__(self, kind, why):
        super().__init__("%s: %s" % (kind, why))
        self.kind = kind
        self.why = why


class Ambiguous(Exception):
    """e2e.rst reads two ways here; the vectors must steer clear."""


class Ratchet:
    """One side of a session. keygen(i) gives the i-th ratchet private key
    this side makes; self.kg counts those made by kept steps."""

    def __init__(self, keygen):
        self.keygen = keygen
        self.kg = 0
        self.dhs = self.dhs_pub = None
        self.dhr = self.prev_dhr = None     # prev_dhr: the one before dhr
        self.rk = self.cks = self.ckr = None
        self.ns = self.nr = self.pn = 0
        self.skipped = OrderedDict()    # (dh, n) -> mk, oldest first

    @classmethod
    def alice(cls, sk, spk_b_pub, keygen):
        r = cls(keygen)
        r.dhs = keygen(0)
        r.kg = 1
        r.dhs_pub = public(r.dhs)
        r.dhr = spk_b_pub
        trace("alice init DHs", r.dhs_pub)
        r.rk, r.cks = kdf_rk(sk, dh(r.dhs, r.dhr))
        return r

    @classmethod
    def bob(cls, sk, spk_b, keygen):
        r = cls(keygen)
        r.dhs = spk_b
        r.dhs_pub = public(spk_b)
        r.rk = sk
        return r

    def encrypt(self, ad, pt):
        if self.cks is None:
            raise RatchetError("cannot-send", "no sending chain yet")
        trace("encrypt CKs", self.cks)
        self.cks, mk = kdf_ck(self.cks)
        header = self.dhs_pub + u32(self.pn) + u32(self.ns)
        self.ns += 1
        key, nonce = message_key(mk)
        return header + AESGCM(key).encrypt(nonce, pt, ad + header)

    @staticmethod
    def _open(mk, ad, header, body):
        key, nonce = message_key(mk)
        try:
            return AESGCM(key).decrypt(nonce, body, ad + header)
        except InvalidTag:
            raise RatchetError("forged", "the tag does not verify") from None

    def decrypt(self, ad, msg):
        """Works on local copies and commits only once the tag verified."""
        if len(msg) < OVERHEAD:
            raise RatchetError("forged", "shorter than header and tag")
        header, body = msg[:HEADER_LEN], msg[HEADER_LEN:]
        hdh = header[:KEY_LEN]
        hpn, hn = struct.unpack(">II", header[KEY_LEN:])
        trace("decrypt header", "dh %s pn %d n %d" % (hdh.hex(), hpn, hn))

        # 1. A skipped message key.
        mk = self.skipped.get((hdh, hn))
        if mk is not None:
            trace("skipped key", "used")
            pt = self._open(mk, ad, header, body)
            del self.skipped[(hdh, hn)]
            return pt

        # 2. This chain's keys below Nr, and all of the previous chain's
        # not in the store, were used (or dropped).
        if self.dhr is not None and hdh == self.dhr and hn < self.nr:
            raise RatchetError("replay", "n %d below Nr %d" % (hn, self.nr))
        if self.prev_dhr is not None and hdh == self.prev_dhr:
            raise RatchetError("replay", "the previous chain, n %d" % hn)

        rk, cks, ckr = self.rk, self.cks, self.ckr
        ns, nr, pn = self.ns, self.nr, self.pn
        dhr, prev_dhr = self.dhr, self.prev_dhr
        new = []                # skipped keys this message adds, in order

        def skip(ckr, nr, until):
            if ckr is None:
                return ckr, nr
            if until > nr + MAX_SKIP:
                raise RatchetError("too-far", "%d keys ahead" % (until - nr))
            while nr < until:
                ckr, smk = kdf_ck(ckr)
                new.append(((dhr, nr), smk))
                nr += 1
            return ckr, nr

        # 3. A new ratchet key from the other side: the receiving half of
        # a DH ratchet step.
        stepped = dhr is None or hdh != dhr
        if stepped:
            if ckr is None and hpn > MAX_SKIP:
                # Signal's SkipMessageKeys refuses this even with no
                # receiving chain; e2e.rst skips "the current receiving
                # chain (if any)". The vectors stay clear of it.
                raise Ambiguous("pn > MAX_SKIP with no receiving chain")
            ckr, nr = skip(ckr, nr, hpn)
            pn, ns, nr = ns, 0, 0
            prev_dhr, dhr = dhr, hdh
            trace("DH step, receiving", "")
            try:
                rk, ckr = kdf_rk(rk, dh(self.dhs, dhr))
            except DHError as e:
                raise Ambiguous("DH refused in a ratchet step: %s" % e)

        # 4. This chain, up to header.n.
        ckr, nr = skip(ckr, nr, hn)
        trace("decrypt CKr", ckr)
        ckr, mk = kdf_ck(ckr)
        nr = hn + 1
        pt = self._open(mk, ad, header, body)

        # 5. It opened: the sending half of the step, and commit.
        dhs, dhs_pub, kg = self.dhs, self.dhs_pub, self.kg
        if stepped:
            dhs = self.keygen(kg)
            kg += 1
            dhs_pub = public(dhs)
            trace("DH step, new DHs", dhs_pub)
            rk, cks = kdf_rk(rk, dh(dhs, dhr))
        self.rk, self.cks, self.ckr = rk, cks, ckr
        self.ns, self.nr, self.pn = ns, nr, pn
        self.dhs, self.dhs_pub, self.kg = dhs, dhs_pub, kg
        self.dhr, self.prev_dhr = dhr, prev_dhr
        for k, v in new:
            self.skipped[k] = v
        while len(self.skipped) > MAX_SKIPPED:
            self.skipped.popitem(last=False)
        return pt


# --- Padding (e2e.rst, "Padding") ------------------------------------------

PAD_BUCKETS = (64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 31744)
PAD_MAX = PAD_BUCKETS[-1]


class PadError(Exception):
    pass


def pad_size(n):
    """The smallest bucket that holds n bytes of content and the 0x80;
    None when none does."""
    for b in PAD_BUCKETS:
        if n + 1 <= b:
            return b
    return None


def pad(content):
    size = pad_size(len(content))
    if size is None:
        raise PadError("%d bytes: longer than the largest bucket allows"
                       % len(content))
    return content + b"\x80" + bytes(size - len(content) - 1)


def unpad(buf):
    """The content: refused unless the length is a bucket and the last
    non-zero byte is 0x80."""
    if len(buf) not in PAD_BUCKETS:
        raise PadError("%d bytes is not a bucket" % len(buf))
    i = len(buf) - 1
    while i >= 0 and buf[i] == 0:
        i -= 1
    if i < 0:
        raise PadError("no non-zero byte")
    if buf[i] != 0x80:
        raise PadError("the last non-zero byte is 0x%02x" % buf[i])
    return buf[:i]


# --- Safety numbers (e2e.rst, "Safety numbers") -----------------------------

SAFETY_LABEL = b"tern-safety-number v1"
SAFETY_ITERATIONS = 5200


def safety_half(handle, key, show=False):
    """handle: a str (lowercase ASCII, directory.rst), key: 32 bytes."""
    assert len(key) == 32
    h = hashlib.sha512(SAFETY_LABEL + b"\x00" + key +
                       handle.encode("ascii")).digest()
    if show:
        print("safety %s key %s" % (handle, key.hex()), file=sys.stderr)
        print("  h(0)     %s" % h.hex(), file=sys.stderr)
    for _ in range(1, SAFETY_ITERATIONS):
        h = hashlib.sha512(h + key).digest()
    chunks = [int.from_bytes(h[5 * c:5 * c + 5], "big") for c in range(6)]
    digits = "".join("%05d" % (x % 100000) for x in chunks)
    if show:
        print("  h(%d)  %s" % (SAFETY_ITERATIONS - 1, h.hex()),
              file=sys.stderr)
        print("  chunks   %s" % " ".join("%s=%d" % (h[5 * c:5 * c + 5].hex(),
                                                     x)
                                        for c, x in enumerate(chunks)),
              file=sys.stderr)
        print("  digits   %s" % digits, file=sys.stderr)
    assert len(digits) == 30
    return digits


def safety_number(half_a, half_b):
    return min(half_a, half_b) + max(half_a, half_b)


# --- Sealed sender (messaging.rst, "Sealed sender") -------------------------

SEALED_VERSION = 0x01
SEALED_INFO = b"tern-sealed v1"
SEALED_OVERHEAD = 1 + KEY_LEN + TAG_LEN


class SealError(Exception):
    """kind: short, version, low-order or forged."""

    def __init__(self, kind, why):
        super().__init__("%s: %s" % (kind, why))
        self.kind = kind


def seal_parts(ik_r_pub, e, inner, salt=None, ad=None, info=SEALED_INFO):
    """The spec's sealed bytes; the keywords make the wrong ones the
    vectors need (salt and ad given in full, both default to the spec's)."""
    e_pub = public(e)
    if salt is None:
        salt = e_pub + ik_r_pub
    if ad is None:
        ad = bytes([SEALED_VERSION]) + e_pub + ik_r_pub
    okm = hkdf(salt, dh(e, ik_r_pub), info, 44)
    return (bytes([SEALED_VERSION]) + e_pub +
            AESGCM(okm[:32]).encrypt(okm[32:44], inner, ad))


def seal(ik_r_pub, e, inner):
    return seal_parts(ik_r_pub, e, inner)


def seal_open(ik_r, sealed):
    """Open with the recipient's private identity key ik_r."""
    if len(sealed) < SEALED_OVERHEAD:
        raise SealError("short", "%d bytes" % len(sealed))
    if sealed[0] != SEALED_VERSION:
        raise SealError("version", "0x%02x" % sealed[0])
    e_pub = sealed[1:1 + KEY_LEN]
    ik_r_pub = public(ik_r)
    try:
        shared = dh(ik_r, e_pub)
    except DHError as err:
        raise SealError("low-order", str(err)) from None
    okm = hkdf(e_pub + ik_r_pub, shared, SEALED_INFO, 44)
    try:
        return AESGCM(okm[:32]).decrypt(
            okm[32:44], sealed[1 + KEY_LEN:],
            bytes([SEALED_VERSION]) + e_pub + ik_r_pub)
    except InvalidTag:
        raise SealError("forged", "the tag does not verify") from None


# --- Deterministic material -------------------------------------------------

def det(seed, label, i):
    return hashlib.sha256(seed + b"|" + label + b"|" + u32(i)).digest()


def det_bytes(seed, label, i, n):
    out = b""
    j = 0
    while len(out) < n:
        out += det(seed, label + b"#" + u32(i), j)
        j += 1
    return out[:n]


# --- Scenarios --------------------------------------------------------------

class Session:
    def __init__(self, name, seed=None):
        global _trace_on
        self.name = name
        self.seed = (seed or name).encode()
        _trace_on = TRACE is not None and TRACE in ("", name)
        if _trace_on:
            print("session %s" % name, file=sys.stderr)
        s = self.seed
        ik_a, ek_a = det(s, b"ik_a", 0), det(s, b"ek_a", 0)
        ik_b, spk_b, opk_b = (det(s, b"ik_b", 0), det(s, b"spk_b", 0),
                              det(s, b"opk_b", 0))
        self.sk, self.ad = x3dh_initiate(ik_a, ek_a, public(ik_b),
                                         public(spk_b), public(opk_b))
        assert (self.sk, self.ad) == x3dh_respond(ik_b, spk_b, opk_b,
                                                  public(ik_a), public(ek_a))
        self.spk_b = spk_b
        self.keygens = {p: (lambda i, p=p: det(s, p.encode() + b"-ratchet", i))
                        for p in ("alice", "bob")}
        self.r = {"alice": Ratchet.alice(self.sk, public(spk_b),
                                         self.keygens["alice"]),
                  "bob": Ratchet.bob(self.sk, spk_b, self.keygens["bob"])}
        self.events = []
        self.msgs = {}          # id -> (sender, msg, pt)
        self.npt = 0

    def pt(self, n):
        self.npt += 1
        return det_bytes(self.seed, b"pt", self.npt, n)

    def send(self, frm, n=None, pt=None):
        """Returns the new message's id."""
        if pt is None:
            pt = self.pt(16 if n is None else n)
        if _trace_on:
            print(" send %s #%d" % (frm, len(self.msgs)), file=sys.stderr)
        msg = self.r[frm].encrypt(self.ad, pt)
        i = len(self.msgs)
        self.msgs[i] = (frm, msg, pt)
        self.events.append({"op": "send", "from": frm, "id": i,
                            "pt": pt.hex(), "msg": msg.hex()})
        return i

    def sends(self, frm, count, n=None):
        return [self.send(frm, n) for _ in range(count)]

    def cannot_send(self, frm):
        try:
            self.r[frm].encrypt(self.ad, b"x")
        except RatchetError as e:
            assert e.kind == "cannot-send", e
        else:
            raise AssertionError("%s: %s could send" % (self.name, frm))
        self.events.append({"op": "send", "from": frm,
                            "error": "cannot-send"})

    def _decrypt(self, to, msg, expect, what):
        if _trace_on:
            print(" recv %s %s" % (to, what), file=sys.stderr)
        try:
            pt = self.r[to].decrypt(self.ad, msg)
        except RatchetError as e:
            if e.kind != expect:
                raise AssertionError("%s: %s %s: got %s, expected %s"
                                     % (self.name, to, what, e, expect))
            return None
        if expect is not None:
            raise AssertionError("%s: %s %s opened, expected %s"
                                 % (self.name, to, what, expect))
        return pt

    def recv(self, to, i, expect=None):
        frm, msg, pt = self.msgs[i]
        assert frm != to
        got = self._decrypt(to, msg, expect, "#%d" % i)
        ev = {"op": "recv", "to": to, "id": i}
        if expect is None:
            assert got == pt, "%s: #%d opened wrong" % (self.name, i)
            ev["pt"] = pt.hex()
        else:
            ev["error"] = expect
        self.events.append(ev)

    def recvs(self, to, ids):
        for i in ids:
            self.recv(to, i)

    def forged(self, to, msg, why, expect="forged"):
        """A made-up message: refused as @expect."""
        self._decrypt(to, msg, expect, why)
        self.events.append({"op": "recv", "to": to, "msg": msg.hex(),
                            "error": expect, "why": why})

    def out(self):
        return {"name": self.name, "sk": self.sk.hex(), "ad": self.ad.hex(),
                "spk_b": self.spk_b.hex(),
                "alice_keys": [self.keygens["alice"](i).hex()
                               for i in range(self.r["alice"].kg)],
                "bob_keys": [self.keygens["bob"](i).hex()
                             for i in range(self.r["bob"].kg)],
                "events": self.events}


def flip(msg, byte, bit):
    b = bytearray(msg)
    b[byte] ^= 1 << bit
    return bytes(b)


def s_ping_pong():
    s = Session("ping-pong")
    s.cannot_send("bob")
    # Rounds of 1 to 3 messages each way, each round a DH ratchet step.
    for rnd in range(8):
        a = s.sends("alice", 1 + rnd % 3, n=rnd * 7)
        s.recvs("bob", a)
        b = s.sends("bob", 1 + (rnd + 1) % 3, n=rnd * 5 + 1)
        s.recvs("alice", b)
    return s


def s_one_way():
    s = Session("one-directional-50")
    ids = s.sends("alice", 50, n=24)
    s.recvs("bob", ids)
    b = s.send("bob")
    s.recv("alice", b)
    return s


def s_ooo_chain():
    s = Session("out-of-order-one-chain")
    ids = s.sends("alice", 10)
    s.recvs("bob", [ids[k] for k in (3, 0, 9, 1, 2, 8, 4, 7, 5, 6)])
    b = s.sends("bob", 6)
    s.recvs("alice", [b[k] for k in (5, 4, 3, 2, 1, 0)])
    a = s.send("alice")
    s.recv("bob", a)
    return s


def s_loss():
    s = Session("loss")
    ids = s.sends("alice", 12)
    s.recvs("bob", [ids[k] for k in (0, 2, 3, 7, 11)])     # the rest lost
    b = s.sends("bob", 5)
    s.recvs("alice", [b[1], b[4]])                          # 0, 2, 3 lost
    a = s.sends("alice", 4)
    s.recvs("bob", [a[3]])                                  # pn: 12
    b = s.sends("bob", 3)
    s.recv("alice", b[2])                                   # pn: 5
    a = s.sends("alice", 2)
    s.recvs("bob", a)
    return s


def s_ooo_dh():
    s = Session("out-of-order-across-dh-steps")
    a1 = s.sends("alice", 4)
    s.recv("bob", a1[0])
    b1 = s.sends("bob", 3)
    s.recv("alice", b1[0])
    a2 = s.sends("alice", 3)          # new chain, pn 4
    s.recv("bob", a2[1])              # skips a1[1..3] (pn) and a2[0]
    s.recv("bob", a1[3])              # old chain, from the skipped keys
    s.recv("bob", a2[0])
    b2 = s.sends("bob", 2)            # Bob's new chain, pn 3
    s.recv("alice", b2[1])            # skips b1[1..2] (pn) and b2[0]
    s.recv("alice", b1[2])
    a3 = s.sends("alice", 2)
    s.recv("bob", a3[1])
    s.recv("bob", a1[1])              # two chains back
    s.recv("bob", a2[2])              # one chain back
    s.recv("bob", a3[0])
    s.recv("alice", b1[1])
    s.recv("alice", b2[0])
    s.recv("bob", a1[2])
    return s


def s_replay():
    s = Session("replay")
    a = s.sends("alice", 3)
    s.recv("bob", a[0])
    s.recv("bob", a[0], "replay")
    s.recvs("bob", a[1:])
    s.recv("bob", a[1], "replay")
    b = s.sends("bob", 2)
    s.recvs("alice", b)
    s.recv("alice", b[0], "replay")
    s.recv("alice", b[1], "replay")
    a = s.send("alice")
    s.recv("bob", a)
    s.recv("bob", a, "replay")
    b = s.send("bob")
    s.recv("alice", b)
    return s


def s_skipped_replay():
    s = Session("skipped-key-used-then-replayed")
    a = s.sends("alice", 5)
    s.recv("bob", a[4])               # a[0..3] skipped
    s.recv("bob", a[2])               # from the store
    s.recv("bob", a[2], "replay")     # its key was deleted
    s.recv("bob", a[4], "replay")
    s.recvs("bob", [a[0], a[3], a[1]])
    s.recv("bob", a[0], "replay")
    b = s.send("bob")
    s.recv("alice", b)
    return s


def s_forged():
    s = Session("forged")
    other = Session("forged-other-session")
    o = other.send("alice")
    omsg = other.msgs[o][1]

    # Before Bob has anything: a forged first message costs him nothing
    # (he still cannot send), and the genuine one then opens.
    a = s.sends("alice", 3, n=20)
    m = s.msgs[a[0]][1]
    s.forged("bob", flip(m, 0, 3), "first message, a bit of header.dh")
    s.forged("bob", omsg, "another session's first message")
    s.cannot_send("bob")
    s.recv("bob", a[0])

    cases = [
        ("a bit of header.dh", lambda m: flip(m, 5, 0)),
        ("a bit of header.pn", lambda m: flip(m, 35, 1)),
        ("header.n made one more", lambda m: flip(m, 39, 0)),
        ("a bit of the ciphertext", lambda m: flip(m, HEADER_LEN + 3, 6)),
        ("a bit of the tag", lambda m: flip(m, len(m) - 1, 7)),
        ("the last byte of the tag dropped", lambda m: m[:-1]),
        ("cut to header and 16 bytes", lambda m: m[:OVERHEAD]),
        ("a byte added", lambda m: m + b"\0"),
    ]
    for k, (why, f) in enumerate(cases):
        who, to = ("alice", "bob") if k % 2 == 0 else ("bob", "alice")
        i = s.send(who, n=20)
        m = s.msgs[i][1]
        assert struct.unpack(">I", m[36:40])[0] % 2 == 0 or "n made" not in why
        s.forged(to, f(m), why)
        s.recv(to, i)

    # Another session's message in the middle of this one.
    s.forged("alice", omsg, "another session's message")
    i = s.send("bob")
    s.recv("alice", i)

    # A forgery under a skipped key's header keeps the key.
    a = s.sends("alice", 3)
    s.recv("bob", a[2])
    s.forged("bob", flip(s.msgs[a[1]][1], HEADER_LEN, 0),
             "ciphertext of a message whose key is skipped")
    s.recv("bob", a[1])
    # Shorter than a header and a tag.
    s.forged("bob", s.msgs[a[0]][1][:OVERHEAD - 1], "shorter than 56 bytes")
    s.forged("bob", s.msgs[a[0]][1][:HEADER_LEN], "the header only")
    s.recv("bob", a[0])
    # A new chain's first message forged: the DH step is not kept.
    b = s.send("bob")
    s.recv("alice", b)
    a = s.sends("alice", 2)
    s.forged("bob", flip(s.msgs[a[0]][1], HEADER_LEN + 1, 1),
             "a new chain's first message, ciphertext")
    s.forged("bob", flip(s.msgs[a[1]][1], 40 + 16 + 5, 2),
             "a new chain's second message, tag")
    s.recvs("bob", a)
    b = s.send("bob")
    s.recv("alice", b)
    return s


def s_too_far():
    s = Session("too-far")
    a = s.sends("alice", 1002, n=4)
    s.recv("bob", a[1001], "too-far")     # 1001 keys to skip
    s.cannot_send("bob")
    s.recv("bob", a[0])
    s.recv("bob", a[1001])                # exactly MAX_SKIP (1..1000)
    s.recv("bob", a[500])
    s.recv("bob", a[1000])
    b = s.send("bob")
    s.recv("alice", b)
    # A new chain's message 1001 keys in, with the old chain all received.
    a = s.sends("alice", 1002, n=0)
    s.recv("bob", a[1001], "too-far")
    s.recv("bob", a[1000])                # exactly MAX_SKIP
    s.recv("bob", a[0])
    b = s.send("bob")
    s.recv("alice", b)
    # MAX_SKIP holds for each of the two skips on its own: 1000 of the
    # previous chain (header.pn) and 1000 of the new one is not too far.
    a1 = s.sends("alice", 1002, n=0)
    s.recv("bob", a1[0])
    b = s.send("bob")
    s.recv("alice", b)
    a2 = s.sends("alice", 1001, n=0)     # pn 1002
    s.recv("bob", a2[0], "too-far")       # 1001 of a1 to skip (1..1001)
    s.recv("bob", a1[1])
    s.recv("bob", a2[1000])               # 1000 (2..1001) and 1000 (0..999)
    s.recv("bob", a1[1001])
    s.recv("bob", a2[0])
    s.recv("bob", a2[999])
    s.recv("bob", a1[2])
    b = s.send("bob")
    s.recv("alice", b)
    return s


def s_store_limit():
    s = Session("skipped-store-limit")
    # Three chains of Alice's, 1000 keys skipped in each: 3000 keys, so
    # the store drops chain 0's, the oldest, and keeps 2000.
    chains = []
    for c in range(3):
        if c:
            b = s.send("bob")
            s.recv("alice", b)
        a = s.sends("alice", 1001, n=0)
        s.recv("bob", a[1000])
        chains.append(a)
    s.recv("bob", chains[0][0], "forged")     # two chains back, dropped
    s.recv("bob", chains[1][0])       # the previous chain, from the store
    s.recv("bob", chains[2][999])     # store: chain 1's 1..999, 2's 0..998
    # 1000 more skipped in the current chain (chain 2, n 1001..2000):
    # 2998 keys, the oldest 998 (chain 1's 1..998) are dropped.
    a = chains[2] + s.sends("alice", 1004, n=0)     # a[k] has n = k
    s.recv("bob", a[2001])
    s.recv("bob", chains[1][999])     # chain 1's last key was kept
    s.recv("bob", chains[1][1], "replay")     # the previous chain, dropped
    # Two more (2002, 2003): 2001 keys, the oldest (chain 2's 0) dropped.
    s.recv("bob", a[2004])
    s.recv("bob", a[0], "replay")     # the oldest, dropped: current chain
    s.recv("bob", a[1])               # the oldest kept
    s.recv("bob", a[2003])
    s.recv("bob", a[1001])
    s.recv("bob", a[2002])
    s.recv("bob", a[2000])
    s.recv("bob", a[2000], "replay")
    b = s.send("bob")
    s.recv("alice", b)
    return s


def s_old_chain():
    """Messages of older chains whose keys are not in the store: the
    previous chain's are replays (step 2); older ones are taken for a new
    ratchet key, and the DH ratchet step with the stale key does not open."""
    s = Session("old-chains")
    a1 = s.sends("alice", 3)
    s.recv("bob", a1[0])
    s.recv("bob", a1[2])              # a1[1] skipped
    b = s.send("bob")
    s.recv("alice", b)
    a2 = s.sends("alice", 2)
    s.recv("bob", a2[0])
    s.recv("bob", a1[1])              # the previous chain, from the store
    s.recv("bob", a1[1], "replay")    # the previous chain, key used
    s.recv("bob", a1[0], "replay")    # the previous chain, received in order
    m = s.msgs[a1[2]][1]
    s.forged("bob", m[:36] + u32(7) + m[40:], "previous chain, n 7 made up",
             "replay")
    s.recv("bob", a2[0], "replay")
    b = s.send("bob")
    s.recv("alice", b)
    s.recv("alice", b, "replay")
    a3 = s.send("alice")
    s.recv("bob", a3)
    s.recv("bob", a2[1])              # the previous chain, skipped at a3
    s.recv("bob", a2[0], "replay")    # the previous chain
    s.recv("bob", a1[0], "forged")    # two chains back
    s.recv("bob", a1[2], "forged")
    b = s.send("bob")
    s.recv("alice", b)
    s.recv("alice", b, "replay")
    a4 = s.send("alice")
    s.recv("bob", a4)
    s.recv("bob", a3, "replay")
    s.recv("bob", a2[1], "forged")
    b = s.send("bob")
    s.recv("alice", b)
    return s


def s_empty():
    s = Session("empty-plaintext")
    a = s.send("alice", pt=b"")
    s.recv("bob", a)
    b = s.send("bob", pt=b"")
    s.recv("alice", b)
    a = s.sends("alice", 2, n=0)
    s.recvs("bob", a[::-1])
    return s


def s_large():
    s = Session("32KiB-plaintext")
    a = s.send("alice", n=32768)
    s.recv("bob", a)
    b = s.send("bob", n=32768)
    s.recv("alice", b)
    a = s.send("alice", n=32768 - 1)
    s.recv("bob", a)
    return s


SCENARIOS = [s_ping_pong, s_one_way, s_ooo_chain, s_loss, s_ooo_dh,
             s_replay, s_skipped_replay, s_forged, s_too_far, s_store_limit,
             s_old_chain, s_empty, s_large]


def x3dh_vectors():
    vs = []
    privs = [None] * 8
    # Private keys clamping changes completely: all zero, all 0xff.
    privs[5] = ("ik_a", bytes(32))
    privs[6] = ("ik_b", b"\xff" * 32)
    privs[7] = ("opk_b", bytes(32))
    for i in range(8):
        k = {n: det(b"x3dh", n.encode(), i)
             for n in ("ik_a", "ek_a", "ik_b", "spk_b", "opk_b")}
        if privs[i]:
            k[privs[i][0]] = privs[i][1]
        sk, ad = x3dh_initiate(k["ik_a"], k["ek_a"], public(k["ik_b"]),
                               public(k["spk_b"]), public(k["opk_b"]))
        assert (sk, ad) == x3dh_respond(k["ik_b"], k["spk_b"], k["opk_b"],
                                        public(k["ik_a"]), public(k["ek_a"]))
        v = {n: k[n].hex() for n in k}
        v.update(sk=sk.hex(), ad=ad.hex())
        vs.append(v)
    return vs


def padding_content(n, k):
    """n deterministic bytes; by k, ending in 0x00, in 0x80, in 0x80 0x00
    0x00, or as they come."""
    c = bytearray(det_bytes(b"padding", b"content", n, n))
    tail = (None, b"\x00", b"\x80", b"\x80\x00\x00")[k % 4]
    if tail and n:
        t = tail[-n:]
        c[n - len(t):] = t
    return bytes(c)


def padding_vectors():
    lens = [0, 1, 2]
    for b in PAD_BUCKETS[:-1]:
        lens += [b - 2, b - 1, b, b + 1]
    lens += [PAD_MAX - 2, PAD_MAX - 1]
    vs = []
    for k, n in enumerate(lens):
        c = padding_content(n, k)
        vs.append({"len": n, "content": c.hex(), "padded": pad(c).hex()})
    # All zeros, all 0x80: the content's own bytes do not matter.
    for n, byte in ((62, 0x00), (63, 0x00), (127, 0x80), (1000, 0x00)):
        c = bytes([byte]) * n
        vs.append({"len": n, "content": c.hex(), "padded": pad(c).hex()})
    return vs


def unpad_bad_vectors():
    good = pad(b"tern")                             # 64 bytes
    bad = [
        (b"", "empty"),
        (bytes(64), "64 zero bytes: no 0x80"),
        (bytes(31744), "31,744 zero bytes: no 0x80"),
        (b"tern\x01" + bytes(59), "the last non-zero byte is 0x01"),
        (b"tern\x80\x01" + bytes(58), "a 0x01 after the 0x80"),
        (good[:63] + b"\x01", "the last byte 0x01"),
        (b"\x41" * 64, "64 bytes of content, no 0x80"),
        (b"\x80" * 63 + b"\x7f", "0x80s, then 0x7f last"),
        (bytes(63) + b"\xff", "zeros, then 0xff last"),
        (b"tern\x81" + bytes(59), "0x81 for 0x80"),
        (b"tern\x00" + bytes(59), "content, then zeros only"),
        (b"\x80", "1 byte: not a bucket"),
        (good[:63], "63 bytes: not a bucket"),
        (good + b"\x00", "65 bytes: not a bucket"),
        (pad(b"tern" * 20)[:100], "100 bytes: not a bucket"),
        (b"tern\x80" + bytes(100) + b"\x02" + bytes(22),
         "128 bytes, a non-zero byte in the padding"),
        (b"\x80" + bytes(32767), "32,768 bytes: not a bucket"),
        (b"\x80" + bytes(31744), "31,745 bytes: not a bucket"),
        (b"\x80" + bytes(31742), "31,743 bytes: not a bucket"),
        (b"\x80" + bytes(65535), "65,536 bytes: not a bucket"),
    ]
    return [{"buf": b.hex(), "why": w} for b, w in bad]


def unpad_ok_vectors():
    """Well formed by the rule of e2e.rst ("Unpadding takes the last
    non-zero byte, which must be 0x80, and refuses a length that is not a
    bucket"), though pad() would choose a smaller bucket."""
    ok = [
        (b"tern\x80" + bytes(123), 4, "4 bytes in 128"),
        (b"\x80" + bytes(31743), 0, "nothing in 31,744"),
        (b"\x00" * 10 + b"\x80" + bytes(16373), 10,
         "10 zero bytes in 16,384"),
    ]
    return [{"buf": b.hex(), "len": n, "why": w} for b, n, w in ok]


def safety_vectors():
    def key(i):
        return det(b"safety", b"key", i)

    def flip1(k, byte, bit):
        b = bytearray(k)
        b[byte] ^= 1 << bit
        return bytes(b)

    long_handle = ("l" * 63 + "@" + "a" * 60 + "." + "b" * 60 + "." +
                   "c" * 60 + ".example")
    assert len(long_handle) == 254
    k0 = key(0)
    pairs = [
        ("alice@example.org", key(1), "bob@example.org", key(2)),
        ("a@b.co", key(3), long_handle, key(4)),
        # Keys differing in one bit, the same handle and not.
        ("carol@example.net", k0, "carol@example.net", flip1(k0, 0, 0)),
        ("dave@example.com", k0, "erin@example.com", flip1(k0, 31, 7)),
        # One key, two handles; one handle, two keys.
        ("frank@example.org", key(5), "grace@example.org", key(5)),
        ("heidi+tern@mail.example.org", key(6),
         "heidi+tern@mail.example.org", key(7)),
        # The same party on both sides.
        ("ivan@example.org", key(8), "ivan@example.org", key(8)),
        # Keys with no structure to speak of.
        ("judy@example.org", bytes(32), "mallory@example.org",
         b"\xff" * 32),
        ("x.y_z-1@sub-1.example.org", key(9), "q@example.io", key(10)),
    ]
    vs = []
    show = TRACE == ""
    for ha, ka, hb, kb in pairs:
        a = safety_half(ha, ka, show)
        b = safety_half(hb, kb, show)
        vs.append({"handle_a": ha, "key_a": ka.hex(),
                   "handle_b": hb, "key_b": kb.hex(),
                   "half_a": a, "half_b": b, "number": safety_number(a, b)})
    # Some "a" halves must sort after their "b", some before.
    assert any(v["half_a"] > v["half_b"] for v in vs), "no a after b"
    assert any(v["half_a"] < v["half_b"] for v in vs), "no a before b"
    return vs


# The points whose X25519 result is all zero for every private key: small
# order (0, 1, the two of order 8, p - 1), and p and p + 1 (0 and 1 again).
LOW_ORDER = [bytes.fromhex(h) for h in (
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800",
    "5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f")]


def sealed_vectors():
    def key(label, i):
        return det(b"sealed", label, i)

    # The largest inner: an envelope of E2EMSG_RATCHET_MAX + 512 bytes
    # (PAD_MAX + header + tag + 512) and a sealed content's other fields.
    big = PAD_MAX + OVERHEAD + 512 + 300
    cases = [
        (0, None, None, "an empty inner"),
        (1, None, None, "1 byte"),
        (15, None, None, "15 bytes: under a block"),
        (16, None, None, "16 bytes: one block"),
        (17, None, None, "17 bytes"),
        (100, None, None, "100 bytes"),
        (1000, None, None, "1,000 bytes"),
        (big, None, None, "%d bytes: the largest sealed content" % big),
        # Private keys clamping changes completely.
        (40, bytes(32), None, "an all-zero recipient private key"),
        (40, b"\xff" * 32, None, "an all-0xff recipient private key"),
        (40, None, bytes(32), "an all-zero ephemeral private key"),
        (40, None, b"\xff" * 32, "an all-0xff ephemeral private key"),
    ]
    vs = []
    for i, (n, ik_r, e, why) in enumerate(cases):
        ik_r = key(b"ik_r", i) if ik_r is None else ik_r
        e = key(b"e", i) if e is None else e
        inner = det_bytes(b"sealed", b"inner", i, n)
        vs.append({"ik_r": ik_r.hex(), "e": e.hex(), "inner": inner.hex(),
                   "sealed": seal(public(ik_r), e, inner).hex(),
                   "why": why})
    return vs


def sealed_bad_vectors():
    ik_r, other, e = (det(b"sealed-bad", b"ik_r", 0),
                      det(b"sealed-bad", b"other", 0),
                      det(b"sealed-bad", b"e", 0))
    pub, e_pub = public(ik_r), public(e)
    inner = det_bytes(b"sealed-bad", b"inner", 0, 48)
    good = seal(pub, e, inner)
    v = bytes([SEALED_VERSION])
    bad = [
        (b"", "short", "empty"),
        (good[:SEALED_OVERHEAD - 1], "short", "one byte under the overhead"),
        (good[:1 + KEY_LEN], "short", "a version and E, no tag"),
        (b"\x02" + good[1:], "version", "version 2"),
        (b"\x00" + good[1:], "version", "version 0"),
        (b"\x81" + good[1:SEALED_OVERHEAD], "version",
         "version 0x81, the bare overhead"),
        (seal_parts(public(other), e, inner), "forged",
         "sealed to another recipient"),
        (good[:SEALED_OVERHEAD - 1 + 48], "forged", "the tag's last byte cut"),
        (good + b"\x00", "forged", "a byte more"),
        (flip(good, 1, 0), "forged", "E's first bit flipped"),
        # X25519 ignores the top bit of u: the same DH result, but E is in
        # the salt and the associated data.
        (flip(good, KEY_LEN, 7), "forged",
         "E's top bit flipped (the same DH result)"),
        (flip(good, 1 + KEY_LEN, 0), "forged", "the ciphertext's first bit"),
        (flip(good, len(good) - 1, 7), "forged", "the tag's last bit"),
        (good[:1] + public(other) + good[1 + KEY_LEN:], "forged",
         "another E"),
        (seal_parts(pub, e, inner, salt=pub + e_pub), "forged",
         "the salt IK_R || E"),
        (seal_parts(pub, e, inner, salt=b""), "forged", "no salt"),
        (seal_parts(pub, e, inner, ad=e_pub + pub), "forged",
         "the associated data without its version byte"),
        (seal_parts(pub, e, inner, ad=v + pub + e_pub), "forged",
         "the associated data 0x01 || IK_R || E"),
        (seal_parts(pub, e, inner, ad=b"tern-sealed v1"), "forged",
         "the associated data \"tern-sealed v1\""),
        (seal_parts(pub, e, inner, ad=b""), "forged",
         "no associated data"),
        (seal_parts(pub, e, inner, info=b"tern-sealed v2"), "forged",
         "the info \"tern-sealed v2\""),
    ]
    for k, point in enumerate(LOW_ORDER):
        bad.append((v + point + good[1 + KEY_LEN:], "low-order",
                    "E of low order (point %d)" % k))
    return [{"ik_r": ik_r.hex(), "sealed": b.hex(), "error": err, "why": w}
            for b, err, w in bad]


# --- Self-checks ------------------------------------------------------------

def check_primitives():
    # RFC 7748 6.1
    a = bytes.fromhex("77076d0a7318a57d3c16c17251b26645"
                      "df4c2f87ebc0992ab177fba51db92c2a")
    b_pub = bytes.fromhex("de9edb7d7b7dc1b4d35b61c2ece43537"
                          "3f8343c85b78674dadfc7e146f882b4f")
    assert public(a).hex() == ("8520f0098930a754748b7ddcb43ef75a"
                               "0dbf3a0d26381af4eba4a98eaa9b4e6a")
    assert dh(a, b_pub).hex() == ("4a5d9d5ba4ce2de1728e3bf480350f25"
                                  "e07e21c947d19e3376f09b3c1e161742")
    # A low-order point (RFC 7748's "all-zero output" check).
    try:
        dh(a, bytes(32))
    except DHError:
        pass
    else:
        raise AssertionError("X25519 with the zero point was not refused")
    # RFC 5869 A.1
    okm = hkdf(bytes(range(13)), b"\x0b" * 22, bytes(range(0xf0, 0xfa)), 42)
    assert okm.hex() == ("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db0"
                         "2d56ecc4c5bf34007208d5b887185865")
    # RFC 4231 4.2
    assert hmac256(b"\x0b" * 20, b"Hi There").hex() == (
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    # AES-256-GCM, NIST's gcmEncryptExtIV256 (Count 0, empty plaintext).
    key = bytes.fromhex("b52c505a37d78eda5dd34f20c22540ea"
                        "1b58963cf8e5bf8ffa85f9f2492505b4")
    iv = bytes.fromhex("516c33929df5a3284ff463d7")
    assert AESGCM(key).encrypt(iv, b"", b"").hex() == \
        "bdc1ac884d332457a1d2664f168c76f0"


def replay(v):
    """Replay a session from its JSON as kat_replay.c does, key pairs from
    the lists in order, rewound after a failed decryption."""
    def keygen(lst):
        def g(i):
            if i >= len(lst):
                raise AssertionError("%s: out of ratchet keys" % v["name"])
            return bytes.fromhex(lst[i])
        return g

    sk, ad = bytes.fromhex(v["sk"]), bytes.fromhex(v["ad"])
    spk = bytes.fromhex(v["spk_b"])
    r = {"alice": Ratchet.alice(sk, public(spk), keygen(v["alice_keys"])),
         "bob": Ratchet.bob(sk, spk, keygen(v["bob_keys"]))}
    msgs = {}
    for k, e in enumerate(v["events"]):
        where = "%s: event %d" % (v["name"], k)
        if e["op"] == "send":
            try:
                m = r[e["from"]].encrypt(ad, bytes.fromhex(e.get("pt", "")))
            except RatchetError as err:
                assert err.kind == e.get("error"), where
                continue
            assert "error" not in e and m.hex() == e["msg"], where
            msgs[e["id"]] = m
            continue
        m = msgs[e["id"]] if "id" in e else bytes.fromhex(e["msg"])
        try:
            pt = r[e["to"]].decrypt(ad, m)
        except RatchetError as err:
            assert err.kind == e.get("error"), "%s: %s" % (where, err)
            continue
        assert "error" not in e and pt.hex() == e["pt"], where
    for p in ("alice", "bob"):
        assert r[p].kg == len(v[p + "_keys"]), "%s: %s keys" % (v["name"], p)


def check_padding(out):
    assert pad_size(PAD_MAX - 1) == PAD_MAX and pad_size(PAD_MAX) is None
    assert pad_size(0) == 64 and pad_size(63) == 64 and pad_size(64) == 128
    for n in (PAD_MAX, PAD_MAX + 1):
        try:
            pad(bytes(n))
        except PadError:
            pass
        else:
            raise AssertionError("pad() took %d bytes" % n)
    seen_tail = set()
    for v in out["padding"]:
        c, p = bytes.fromhex(v["content"]), bytes.fromhex(v["padded"])
        n = v["len"]
        assert len(c) == n, n
        # The smallest bucket that holds the content and the 0x80.
        assert len(p) == min(b for b in PAD_BUCKETS if b >= n + 1), n
        assert p[:n] == c and p[n] == 0x80 and not any(p[n + 1:]), n
        assert unpad(p) == c, "padding: %d does not round trip" % n
        if n:
            seen_tail.add(c[-1])
    assert 0x00 in seen_tail and 0x80 in seen_tail
    lens = {v["len"] for v in out["padding"]}
    for b in PAD_BUCKETS:
        assert b - 1 in lens and (b in lens or b == PAD_MAX), b
    for v in out["unpad_bad"]:
        try:
            unpad(bytes.fromhex(v["buf"]))
        except PadError:
            continue
        raise AssertionError("unpad_bad: %s was not refused" % v["why"])
    for v in out["unpad_ok"]:
        assert len(unpad(bytes.fromhex(v["buf"]))) == v["len"], v["why"]


def check_safety(out):
    for v in out["safety"]:
        a, b = v["half_a"], v["half_b"]
        assert len(a) == len(b) == 30 and (a + b).isdigit()
        n = safety_number(a, b)
        assert n == safety_number(b, a) == v["number"] and len(n) == 60
        assert n[:30] <= n[30:] and sorted((a, b)) == [n[:30], n[30:]]
        # Recomputed from the vector's own fields, both ways round.
        ka, kb = bytes.fromhex(v["key_a"]), bytes.fromhex(v["key_b"])
        assert safety_half(v["handle_a"], ka) == a
        assert safety_half(v["handle_b"], kb) == b
        if (v["handle_a"], ka) != (v["handle_b"], kb):
            assert a != b, "two parties, one half"


def check_sealed(out):
    for v in out["sealed"]:
        ik_r, e = bytes.fromhex(v["ik_r"]), bytes.fromhex(v["e"])
        inner, sealed = bytes.fromhex(v["inner"]), bytes.fromhex(v["sealed"])
        assert len(sealed) == SEALED_OVERHEAD + len(inner), v["why"]
        assert sealed[0] == 1 and sealed[1:33] == public(e), v["why"]
        assert seal_open(ik_r, sealed) == inner, v["why"]
        assert seal(public(ik_r), e, inner) == sealed, v["why"]
    for v in out["sealed_bad"]:
        try:
            seal_open(bytes.fromhex(v["ik_r"]), bytes.fromhex(v["sealed"]))
        except SealError as err:
            assert err.kind == v["error"], "%s: %s" % (v["why"], err)
            continue
        raise AssertionError("sealed_bad: %s opened" % v["why"])
    kinds = {v["error"] for v in out["sealed_bad"]}
    assert kinds == {"short", "version", "low-order", "forged"}, kinds


def main(argv):
    global TRACE
    args = argv[1:]
    if args and args[0] == "--trace":
        TRACE = args[1] if len(args) > 1 and not args[1].startswith("-") \
            else ""
    check_primitives()
    out = {"x3dh": x3dh_vectors(), "sessions": []}
    for f in SCENARIOS:
        out["sessions"].append(f().out())
    global _trace_on
    _trace_on = False
    for v in out["sessions"]:
        replay(v)
    out["padding"] = padding_vectors()
    out["unpad_bad"] = unpad_bad_vectors()
    out["unpad_ok"] = unpad_ok_vectors()
    out["safety"] = safety_vectors()
    out["sealed"] = sealed_vectors()
    out["sealed_bad"] = sealed_bad_vectors()
    check_padding(out)
    check_safety(out)
    check_sealed(out)
    if "--check-only" in args:
        print("ref_e2e: %d x3dh vectors, %d sessions, %d events, "
              "%d padding, %d unpad_bad, %d unpad_ok, %d safety, "
              "%d sealed, %d sealed_bad: self-check ok"
              % (len(out["x3dh"]), len(out["sessions"]),
                 sum(len(v["events"]) for v in out["sessions"]),
                 len(out["padding"]), len(out["unpad_bad"]),
                 len(out["unpad_ok"]), len(out["safety"]),
                 len(out["sealed"]), len(out["sealed_bad"])),
              file=sys.stderr)
        return 0
    json.dump(out, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
