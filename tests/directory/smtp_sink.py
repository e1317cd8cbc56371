#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A local SMTP server for the tests: accepts every message and writes it,
with its envelope, to OUTDIR/mail.N (plain Python, no mail system).

  smtp_sink.py ADDR PORT OUTDIR
"""
import os
import socketserver
import sys


class Handler(socketserver.StreamRequestHandler):
    def reply(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.reply("220 sink ESMTP")
        env, data, n = [], None, 0
        while True:
            line = self.rfile.readline()
            if not line:
                return
            text = line.decode(errors="replace").rstrip("\r\n")
            if data is not None:
                if text == ".":
                    n = len(os.listdir(self.server.outdir))
                    path = os.path.join(self.server.outdir, "mail.%d" % n)
                    with open(path + ".tmp", "w") as f:
                        f.write("\n".join(env + [""] + data) + "\n")
                    os.rename(path + ".tmp", path)
                    data = None
                    env = []
                    self.reply("250 queued")
                else:
                    data.append(text[1:] if text.startswith("..") else text)
                continue
            verb = text[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb in ("MAIL", "RCPT"):
                env.append(text)
                self.reply("250 ok")
            elif verb == "DATA":
                data = []
                self.reply("354 go ahead")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 ok")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    srv = Server((sys.argv[1], int(sys.argv[2])), Handler)
    srv.outdir = sys.argv[3]
    print("listening", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
