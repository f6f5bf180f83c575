"""An IDrive e2 Reseller API server written from the reference (shared/idrive-e2-reseller-api.txt),
independently of e2-ledger's own simulator: a second reading of the same document, in another
language, for the tests that must not only agree with ourselves.

Serves the three calls collection uses, as the reference describes them:
- GET  /api/reseller/v1/users                 -> struct response { string id; List users[] }
- POST /api/reseller/v1/usage_stats           -> Array of { double downloads; double uploads;
                                                  double disk_used; string date } (bytes)
- POST /api/reseller/v1/user_activity_history -> { logs[]; pagination { total_records, page_no,
                                                  records_per_page } }, 200 records a page
with the documented errors: 401 unauthorized, 400 invalid_parameters, 403 account_non_existant.

Data comes from a JSON fixture (--data): {"users": [{"email", "first_name", "last_name",
"created": "YYYY-MM-DD HH:MM:SS", "signed_up", "active", "quota_gb"}], "usage": {"<email>":
{"<date>": [disk_used, uploads, downloads]}}, "activity": {"<email>": {"<date>": <records>}}}.
POST /__control/usage {"email", "date", "disk_used"?, "uploads"?, "downloads"?} changes one day.

Prints "reference server ready on <port>"; stops when stdin closes.
"""

import argparse
import json
import re
import sys
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = 200


def days(start, end):
    d = date.fromisoformat(start)
    last = date.fromisoformat(end)
    while d <= last:
        yield d.isoformat()
        d += timedelta(days=1)


def make_handler(data, token, lock):
    users = {u["email"].lower(): u for u in data["users"]}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def reply(self, status, body):
            raw = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def error(self, status, type_, code, message, errors=None):
            body = {"error": {"type": type_, "code": code, "message": message}}
            if errors is not None:
                body["error"]["errors"] = errors
            self.reply(status, body)

        def body(self):
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"{}")
            except ValueError:
                return None

        def authorized(self):
            if self.headers.get("token") != token:
                self.error(401, "invalid_request_error", "unauthorized", "Authentication header missing/invalid")
                return False
            return True

        def user(self, email):
            u = users.get(str(email).lower())
            if u is None:
                self.error(403, "invalid_request_error", "account_non_existant", "Account with this email does not exist")
            return u

        def do_GET(self):
            if self.path != "/api/reseller/v1/users":
                return self.error(404, "invalid_request_error", "not_found", "no such endpoint")
            if not self.authorized():
                return
            listed = []
            for u in data["users"]:
                used = 0.0
                usage = data["usage"].get(u["email"], {})
                if usage:
                    used = float(usage[max(usage)][0])
                listed.append(
                    {
                        "email": u["email"],
                        "first_name": u["first_name"],
                        "last_name": u.get("last_name"),
                        "account_creation_timestamp": u["created"],
                        "invite_url": None if u["signed_up"] else "https://example.invalid/invite",
                        "is_signed_up": u["signed_up"],
                        "is_active": u["active"],
                        "storage_used": used,
                        "storage_quota": u["quota_gb"],
                    }
                )
            self.reply(200, {"id": "reference-reseller", "users": listed})

        def do_POST(self):
            if self.path == "/__control/usage":
                b = self.body()
                with lock:
                    row = data["usage"].setdefault(b["email"], {}).setdefault(b["date"], [0, 0, 0])
                    for i, k in enumerate(["disk_used", "uploads", "downloads"]):
                        if k in b:
                            row[i] = b[k]
                return self.reply(200, {"ok": True})
            if not self.authorized():
                return
            b = self.body()
            if b is None:
                return self.error(400, "invalid_request_error", "invalid_parameters", "Invalid parameter values, check errors for details", ["body is not JSON"])
            if self.path == "/api/reseller/v1/usage_stats":
                problems = [k for k in ("email", "date_from", "date_to") if not isinstance(b.get(k), str)]
                problems += [k for k in ("date_from", "date_to") if isinstance(b.get(k), str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", b[k])]
                if problems:
                    return self.error(400, "invalid_request_error", "invalid_parameters", "Invalid parameter values, check errors for details", problems)
                u = self.user(b["email"])
                if u is None:
                    return
                created = u["created"][:10]
                rows = []
                with lock:
                    usage = data["usage"].get(u["email"], {})
                    for d in days(b["date_from"], b["date_to"]):
                        if d < created or d not in usage:
                            continue
                        disk, up, down = usage[d]
                        # The reference's doubles: "1234.0", exponent form past 1e16.
                        rows.append({"downloads": float(down), "uploads": float(up), "disk_used": float(disk), "date": d})
                return self.reply(200, rows)
            if self.path == "/api/reseller/v1/user_activity_history":
                page = b.get("page_no")
                if not isinstance(page, int) or page < 1 or not isinstance(b.get("start_date"), str) or not isinstance(b.get("end_date"), str):
                    return self.error(400, "invalid_request_error", "invalid_parameters", "Invalid parameter values, check errors for details", ["page_no"])
                u = self.user(b.get("email"))
                if u is None:
                    return
                logs = []
                counts = data.get("activity", {}).get(u["email"], {})
                for d in days(b["start_date"], b["end_date"]):
                    for i in range(counts.get(d, 0)):
                        logs.append({"timestamp": f"{d} {i // 60 % 24:02d}:{i % 60:02d}:00", "description": f"Uploaded object backup/{d}/part-{i}.bin", "ip": "198.51.100.7"})
                start = (page - 1) * PAGE
                return self.reply(200, {"logs": logs[start : start + PAGE], "pagination": {"total_records": len(logs), "page_no": page, "records_per_page": PAGE}})
            self.error(404, "invalid_request_error", "not_found", "no such endpoint")

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--token", required=True)
    args = parser.parse_args()
    with open(args.data) as f:
        data = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(data, args.token, threading.Lock()))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print(f"reference server ready on {server.server_address[1]}", flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
