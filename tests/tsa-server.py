#!/usr/bin/env python3
"""tsa-server.py DIR - a local RFC 3161 time-stamping authority for the tests:
`openssl ts -reply` (DIR/tsa.cnf, DIR/tsa.pem, DIR/tsa.key, chain DIR/root.pem)
behind http.server on 127.0.0.1 at a free port, written to DIR/port.  The last
query is kept in DIR/req.tsq.  Nothing reaches the internet."""
import http.server, subprocess, sys, os
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers['Content-Length']))
        open(os.path.join(d, 'req.tsq'), 'wb').write(body)
        r = subprocess.run(['openssl', 'ts', '-reply', '-config', os.path.join(d, 'tsa.cnf'), '-queryfile',
                            os.path.join(d, 'req.tsq'), '-signer', os.path.join(d, 'tsa.pem'), '-inkey',
                            os.path.join(d, 'tsa.key'), '-chain', os.path.join(d, 'root.pem'), '-out',
                            os.path.join(d, 'resp.tsr')], capture_output=True)
        out = open(os.path.join(d, 'resp.tsr'), 'rb').read() if r.returncode == 0 else b''
        self.send_response(200 if out else 500)
        self.send_header('Content-Type', 'application/timestamp-reply')
        self.send_header('Content-Length', str(len(out)))
        self.end_headers()
        self.wfile.write(out)
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(os.path.join(d, 'port'), 'w').write(str(s.server_address[1]))
s.serve_forever()
