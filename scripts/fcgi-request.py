#!/usr/bin/env python3
"""Sends one web fixture request (tests/web/NAME.req) to php-fpm over FastCGI and prints
the response; used by scripts/regen-web-fixtures.sh to record the oracle's answers.

usage: fcgi-request.py SOCKET NAME.req FIXTURE_DIR STDERR_FILE

The .req format (also read by tests/web.rs), one directive per line:
  param NAME=VALUE   a FastCGI param, in order, duplicates kept
  ini KEY=VALUE      an ini setting for this request (regen passes it to php-fpm as -d)
  body TEXT          request body bytes (several lines concatenate)
  # ...              a comment
Values use escapes \\r \\n \\t \\\\ \\xHH, and %DIR% stands for the fixture directory.
The raw CGI response (Status line, headers, blank line, body) goes to stdout; what
php-fpm wrote to FCGI_STDERR goes to STDERR_FILE."""
import socket, struct, sys


def unescape(s, fixture_dir):
    s = s.replace('%DIR%', fixture_dir)
    out = bytearray()
    b = s.encode('utf-8')
    i = 0
    while i < len(b):
        c = b[i]
        if c == 0x5c and i + 1 < len(b):
            n = b[i + 1]
            if n == ord('r'): out += b'\r'; i += 2; continue
            if n == ord('n'): out += b'\n'; i += 2; continue
            if n == ord('t'): out += b'\t'; i += 2; continue
            if n == 0x5c: out += b'\\'; i += 2; continue
            if n == ord('x') and i + 3 < len(b):
                out.append(int(b[i + 2:i + 4], 16)); i += 4; continue
        out.append(c)
        i += 1
    return bytes(out)


def parse_req(path, fixture_dir):
    params, body = [], b''
    for line in open(path, encoding='utf-8').read().split('\n'):
        if line.startswith('param '):
            k, _, v = line[6:].partition('=')
            params.append((unescape(k, fixture_dir), unescape(v, fixture_dir)))
        elif line.startswith('body '):
            body += unescape(line[5:], fixture_dir)
    return params, body


def record(rtype, content, rid=1):
    return struct.pack('>BBHHBB', 1, rtype, rid, len(content), 0, 0) + content


def enc_len(n):
    return bytes([n]) if n < 128 else struct.pack('>I', n | 0x80000000)


def main():
    sock_path, req_path, fixture_dir, err_file = sys.argv[1:5]
    params, body = parse_req(req_path, fixture_dir)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(sock_path)
    out = record(1, struct.pack('>HB5x', 1, 0))
    pbytes = b''.join(enc_len(len(k)) + enc_len(len(v)) + k + v for k, v in params)
    for i in range(0, len(pbytes), 65535):
        out += record(4, pbytes[i:i + 65535])
    out += record(4, b'')
    for i in range(0, len(body), 65535):
        out += record(5, body[i:i + 65535])
    out += record(5, b'')
    s.sendall(out)
    buf, stdout, stderr = b'', b'', b''
    while True:
        while len(buf) < 8:
            d = s.recv(65536)
            if not d:
                raise SystemExit('connection closed early')
            buf += d
        _, rtype, _, clen, plen, _ = struct.unpack('>BBHHBB', buf[:8])
        while len(buf) < 8 + clen + plen:
            d = s.recv(65536)
            if not d:
                raise SystemExit('connection closed early')
            buf += d
        content = buf[8:8 + clen]
        buf = buf[8 + clen + plen:]
        if rtype == 6:
            stdout += content
        elif rtype == 7:
            stderr += content
        elif rtype == 3:
            break
    sys.stdout.buffer.write(stdout)
    open(err_file, 'wb').write(stderr)


main()
