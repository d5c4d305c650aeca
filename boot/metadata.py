#!/usr/bin/env python3
"""A test stand-in for the EC2 instance metadata service, IMDSv2 only.

PUT /latest/api/token with X-aws-ec2-metadata-token-ttl-seconds gives a
token; GET /latest/user-data with X-aws-ec2-metadata-token: <token> gives
the user data file's bytes (404 when there is no file). Anything else: 401
without a valid token, 404 otherwise. Each request is logged to stderr.

    metadata.py --listen 169.254.169.254 --port 80 --user-data FILE
"""
import argparse
import os
import secrets
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKENS = set()


def handler(user_data):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, status, body=b""):
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True

        def do_PUT(self):
            if self.path != "/latest/api/token" or not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400)
            token = secrets.token_urlsafe(32)
            TOKENS.add(token)
            self.reply(200, token.encode())

        def do_GET(self):
            if self.headers.get("X-aws-ec2-metadata-token") not in TOKENS:
                return self.reply(401)
            if self.path != "/latest/user-data" or not user_data or not os.path.exists(user_data):
                return self.reply(404)
            with open(user_data, "rb") as f:
                self.reply(200, f.read())

        def log_message(self, fmt, *args):
            sys.stderr.write("metadata: %s %s\n" % (self.address_string(), fmt % args))
            sys.stderr.flush()

    return Handler


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listen", required=True)
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--user-data", default=None)
    args = ap.parse_args()
    ThreadingHTTPServer((args.listen, args.port), handler(args.user_data)).serve_forever()


if __name__ == "__main__":
    main()
