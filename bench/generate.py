#!/usr/bin/env python3
"""Helpers for bench/run.sh: free ports, waiting for Dovecot, generating and loading the
benchmark mailbox, counting what arrived, and printing the results table.

Standard library only, so the benchmark runs on a bare Debian with python3.

The mailbox is deterministic: the plan (folder, size, flags, dates of every message) comes
from one seeded RNG, and each message's content from an RNG seeded with (seed, index), so
parallel loaders produce exactly the same messages whatever the number of workers.
"""

import argparse
import base64
import json
import multiprocessing
import os
import random
import re
import socket
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

# ---------------------------------------------------------------------------------------
# Small utilities used by run.sh
# ---------------------------------------------------------------------------------------


def cmd_ports(args):
    """Print N distinct free TCP ports on 127.0.0.1 (held open together so they differ)."""
    socks = []
    for _ in range(args.count):
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        socks.append(s)
    print(" ".join(str(s.getsockname()[1]) for s in socks))
    for s in socks:
        s.close()


def cmd_wait(args):
    """Wait until a plain IMAP port sends a real greeting (Dovecot first says
    'Waiting for authentication process' until its auth process is up)."""
    deadline = time.time() + args.timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", args.port), timeout=2) as s:
                line = s.makefile("rb").readline().decode("latin-1")
                if line.startswith("* OK") and "Waiting for authentication" not in line:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"no IMAP greeting on 127.0.0.1:{args.port} after {args.timeout}s")


# ---------------------------------------------------------------------------------------
# The mailbox plan
# ---------------------------------------------------------------------------------------

# (folder, share of messages, date range (first year, last year)). INBOX is the largest;
# nested folders exercise hierarchy creation on the destination.
FOLDERS = [
    ("INBOX", 0.34, (2022, 2024)),
    ("Sent", 0.14, (2019, 2024)),
    ("Drafts", 0.01, (2024, 2024)),
    ("Trash", 0.03, (2024, 2024)),
    ("Junk", 0.02, (2024, 2024)),
    ("Archive/2019", 0.08, (2019, 2019)),
    ("Archive/2020", 0.08, (2020, 2020)),
    ("Archive/2021", 0.08, (2021, 2021)),
    ("Clients/Acme", 0.06, (2021, 2024)),
    ("Clients/Globex", 0.05, (2021, 2024)),
    ("Clients/Globex/Invoices", 0.04, (2021, 2024)),
    ("Projects/Website", 0.04, (2023, 2024)),
    ("Newsletters", 0.03, (2022, 2024)),
]

ZONES = [0, 0, 60, 60, 120, -300, -240, -480, 330, 540]  # minutes east of UTC
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def plan(count, seed):
    """One dict per message: folder, kind, target size, flags, internal date.

    Size mix modelled on real mailboxes: ~90 % 2-50 KB (log-uniform, so most are small),
    ~10 % 100 KB-2 MB with base64 attachments, and three 20-30 MB messages."""
    rng = random.Random(f"plan:{seed}")
    folders = []
    for name, share, years in FOLDERS:
        folders += [(name, years)] * max(1, round(share * count))
    # Rounding may leave a few too many or too few: trim or pad with INBOX.
    folders = folders[:count] + [("INBOX", FOLDERS[0][2])] * max(0, count - len(folders))
    rng.shuffle(folders)
    big = set(rng.sample(range(count), min(3, count))) if count >= 50 else set()
    msgs = []
    for i, (folder, (y0, y1)) in enumerate(folders):
        if i in big:
            kind, size = "attach", rng.randint(20_000_000, 30_000_000)
        elif rng.random() < 0.10:
            kind, size = "attach", int(10 ** rng.uniform(5, 6.301))  # 100 KB - 2 MB
        else:
            kind = "plain" if rng.random() < 0.4 else "alt"
            size = int(10 ** rng.uniform(3.301, 4.699))  # 2 KB - 50 KB
        start = datetime(y0, 1, 1, tzinfo=timezone.utc).timestamp()
        end = datetime(y1, 12, 31, 23, 59, 59, tzinfo=timezone.utc).timestamp()
        msgs.append(
            {
                "i": i,
                "folder": folder,
                "kind": kind,
                "size": size,
                "flags": flags_for(rng, folder),
                "ts": int(rng.uniform(start, end)),
                "tz": rng.choice(ZONES),
            }
        )
    return msgs


def flags_for(rng, folder):
    """Flags as people leave them: mostly read, some answered/flagged, a few keywords.
    Never \\Deleted: such messages are (rightly) not migrated and would skew the counts."""
    f = []
    if folder == "Sent":
        f.append("\\Seen")
    elif folder == "Drafts":
        f += ["\\Draft", "\\Seen"]
    elif folder in ("INBOX", "Junk", "Newsletters"):
        if rng.random() < (0.80 if folder == "INBOX" else 0.5):
            f.append("\\Seen")
    else:
        if rng.random() < 0.97:
            f.append("\\Seen")
    if folder not in ("Drafts", "Junk") and rng.random() < 0.18:
        f.append("\\Answered")
    if rng.random() < 0.05:
        f.append("\\Flagged")
    if rng.random() < 0.03:
        f.append("$Forwarded")
    if folder == "Junk":
        f.append("$Junk")
    if rng.random() < 0.02:
        f.append(rng.choice(["$label1", "Project-X", "$MDNSent"]))
    return f


# ---------------------------------------------------------------------------------------
# Message content
# ---------------------------------------------------------------------------------------

WORDS = (
    "the of and to a in is that for it as with was on be by this are from at or have an "
    "which you not but we all were can has one their there been more if will would about "
    "meeting invoice project report update please thanks regards attached review deadline "
    "client order shipment budget quarter schedule proposal contract payment delivery team "
    "office monday tuesday friday tomorrow week next call agenda minutes draft final version "
    "customer support ticket issue question answer price quote account password reminder"
).split()
NAMES = [
    ("Anna", "Schmidt"), ("Bob", "Miller"), ("Chloé", "Dubois"), ("David", "Kim"),
    ("Elena", "Rossi"), ("Farid", "Haddad"), ("Grace", "O'Neill"), ("Hiro", "Tanaka"),
    ("Ines", "García"), ("Jonas", "Berg"), ("Kavya", "Iyer"), ("Liam", "Walsh"),
]
DOMAINS = ["example.com", "acme.example", "globex.example", "mail.example.net", "news.example.org"]
ATTACH_TYPES = [
    ("application/pdf", "pdf"), ("image/jpeg", "jpg"), ("image/png", "png"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    ("application/zip", "zip"),
]


def text(rng, size):
    """Roughly `size` bytes of 72-column CRLF text."""
    out, n, line = [], 0, []
    llen = 0
    while n < size:
        w = rng.choice(WORDS)
        if llen + len(w) + 1 > 72:
            s = " ".join(line) + "\r\n"
            out.append(s)
            n += len(s)
            line, llen = [], 0
            if rng.random() < 0.12:
                out.append("\r\n")
                n += 2
        line.append(w)
        llen += len(w) + 1
    return "".join(out)


def html(rng, size):
    paras = text(rng, int(size * 0.85)).split("\r\n\r\n")
    body = "\r\n".join(f"<p>{p}</p>" for p in paras if p)
    return (
        "<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"></head>\r\n"
        f"<body style=\"font-family: Arial, sans-serif\">\r\n{body}\r\n</body></html>\r\n"
    )


def b64_lines(data):
    """base64 in 76-column CRLF lines, as mail clients write attachments."""
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def fmt_date(ts, tz_minutes, style):
    tz = timezone(timedelta(minutes=tz_minutes))
    d = datetime.fromtimestamp(ts, tz)
    sign = "+" if tz_minutes >= 0 else "-"
    off = f"{sign}{abs(tz_minutes) // 60:02d}{abs(tz_minutes) % 60:02d}"
    if style == "imap":  # INTERNALDATE for APPEND
        return f"{d.day:02d}-{MONTHS[d.month - 1]}-{d.year} {d:%H:%M:%S} {off}"
    return f"{DAYS[d.weekday()]}, {d.day} {MONTHS[d.month - 1]} {d.year} {d:%H:%M:%S} {off}"


def message(seed, m):
    """The bytes of message m (CRLF line endings throughout)."""
    rng = random.Random(f"msg:{seed}:{m['i']}")
    me = ("Pat", "Example", "pat@example.com")
    fn, ln = rng.choice(NAMES)
    other = (fn, ln, f"{fn.lower().replace('é', 'e')}.{ln.lower().replace(chr(39), '')}@{rng.choice(DOMAINS)}")
    sender, rcpt = (me, other) if m["folder"] in ("Sent", "Drafts") else (other, me)
    date_hdr = fmt_date(m["ts"] - rng.randint(1, 120), m["tz"], "rfc")
    subject = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))).capitalize()
    if rng.random() < 0.3:
        subject = "Re: " + subject
    msgid = f"<{m['i']:06d}.{seed}.{rng.getrandbits(48):012x}@bench.mailferry.example>"
    boundary = f"=_bench_{rng.getrandbits(64):016x}"
    hdr = []
    if sender is other:
        hdr += [
            f"Return-Path: <{other[2]}>",
            f"Received: from mx{rng.randint(1, 9)}.{other[2].split('@')[1]} "
            f"(mx.{other[2].split('@')[1]} [192.0.2.{rng.randint(1, 254)}])\r\n"
            f"\tby mail.example.com (Postfix) with ESMTPS id {rng.getrandbits(40):010X}\r\n"
            f"\tfor <{me[2]}>; {fmt_date(m['ts'], m['tz'], 'rfc')}",
        ]
    hdr += [
        f"Date: {date_hdr}",
        f"From: {sender[0]} {sender[1]} <{sender[2]}>",
        f"To: {rcpt[0]} {rcpt[1]} <{rcpt[2]}>",
        f"Subject: {subject}",
        f"Message-ID: {msgid}",
        "MIME-Version: 1.0",
    ]
    size = m["size"]
    if m["kind"] == "plain":
        hdr += ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit"]
        body = text(rng, max(200, size - 700))
    elif m["kind"] == "alt":
        hdr.append(f'Content-Type: multipart/alternative; boundary="{boundary}"')
        t = max(200, (size - 900) // 3)
        body = (
            f"This is a multi-part message in MIME format.\r\n\r\n--{boundary}\r\n"
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{text(rng, t)}\r\n--{boundary}\r\n"
            "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            f"{html(rng, 2 * t)}\r\n--{boundary}--\r\n"
        )
    else:
        hdr.append(f'Content-Type: multipart/mixed; boundary="{boundary}"')
        out = [
            ("\r\n".join(hdr) + "\r\n\r\n").encode(),
            (
                f"This is a multi-part message in MIME format.\r\n\r\n--{boundary}\r\n"
                "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                f"{text(rng, rng.randint(300, 3000))}\r\n"
            ).encode(),
        ]
        n_att = 1 if size > 5_000_000 else rng.choice([1, 1, 1, 2, 3])
        raw_total = int(size * 0.74)  # base64 grows data by 4/3 plus line breaks
        for k in range(n_att):
            ctype, ext = rng.choice(ATTACH_TYPES)
            name = f"{rng.choice(WORDS)}-{m['i']}-{k}.{ext}"
            out.append(
                (
                    f"--{boundary}\r\nContent-Type: {ctype}; name=\"{name}\"\r\n"
                    "Content-Transfer-Encoding: base64\r\n"
                    f"Content-Disposition: attachment; filename=\"{name}\"\r\n\r\n"
                ).encode()
            )
            # randbytes: incompressible and unique, like real attachments.
            out.append(b64_lines(rng.randbytes(raw_total // n_att)))
        out.append(f"--{boundary}--\r\n".encode())
        return b"".join(out)
    return ("\r\n".join(hdr) + "\r\n\r\n" + body).encode()


# ---------------------------------------------------------------------------------------
# Loading over IMAP
# ---------------------------------------------------------------------------------------


def quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Conn:
    """A minimal plain-IMAP connection: synchronous commands for setup, and pipelined
    APPEND with non-synchronizing literals (LITERAL+, which Dovecot offers) for loading."""

    def __init__(self, port, user, password):
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.r = self.sock.makefile("rb")
        self.r.readline()  # greeting
        self.n = 0
        self.cmd(f"LOGIN {quote(user)} {quote(password)}")

    def cmd(self, line):
        self.n += 1
        tag = f"s{self.n}"
        self.sock.sendall(f"{tag} {line}\r\n".encode())
        while True:
            resp = self.r.readline().decode("utf-8", "replace")
            if not resp:
                raise RuntimeError("connection closed")
            if resp.startswith(tag + " "):
                if not resp.startswith(tag + " OK"):
                    raise RuntimeError(f"{line!r} -> {resp.strip()}")
                return

    def append_all(self, seed, msgs):
        """Send every APPEND without waiting; a reader thread collects the tagged replies
        (the server may block writing replies while we block sending, so both must run)."""
        errors, done = [], {"n": 0}

        def reader():
            while done["n"] < len(msgs):
                line = self.r.readline()
                if not line:
                    errors.append("connection closed during APPEND")
                    return
                if line.startswith(b"a"):
                    done["n"] += 1
                    if b" OK" not in line[:16]:
                        errors.append(line.decode("utf-8", "replace").strip())

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        total = 0
        for m in msgs:
            data = message(seed, m)
            total += len(data)
            flags = " ".join(m["flags"])
            head = (
                f"a{m['i']} APPEND {quote(m['folder'])} ({flags}) "
                f"\"{fmt_date(m['ts'], m['tz'], 'imap')}\" {{{len(data)}+}}\r\n"
            ).encode()
            self.sock.sendall(head + data + b"\r\n")
        t.join()
        if errors:
            raise RuntimeError(f"{len(errors)} APPENDs failed, first: {errors[0]}")
        return total


def load_worker(args):
    port, user, password, seed, count, worker, workers = args
    msgs = [m for m in plan(count, seed) if m["i"] % workers == worker]
    c = Conn(port, user, password)
    total = c.append_all(seed, msgs)
    c.cmd("LOGOUT")
    return total


def cmd_load(args):
    t0 = time.time()
    msgs = plan(args.messages, args.seed)
    # Folders first, on one connection, parents before children.
    c = Conn(args.port, args.user, args.password)
    for name in sorted({m["folder"] for m in msgs}):
        if name != "INBOX":
            try:
                c.cmd(f"CREATE {quote(name)}")
            except RuntimeError as e:
                # Sent, Drafts, Trash, Junk are auto-created by the server config.
                if "ALREADYEXISTS" not in str(e):
                    raise
            c.cmd(f"SUBSCRIBE {quote(name)}")
    c.cmd("LOGOUT")
    jobs = [
        (args.port, args.user, args.password, args.seed, args.messages, w, args.workers)
        for w in range(args.workers)
    ]
    with multiprocessing.Pool(args.workers) as pool:
        total = sum(pool.map(load_worker, jobs))
    folders = {}
    for m in msgs:
        folders[m["folder"]] = folders.get(m["folder"], 0) + 1
    sizes = [m["size"] for m in msgs]
    summary = {
        "messages": len(msgs),
        "bytes": total,
        "folders": folders,
        "under_50k": sum(1 for s in sizes if s <= 50_000),
        "attach_100k_2m": sum(1 for s in sizes if 100_000 <= s <= 2_100_000),
        "over_20m": sum(1 for s in sizes if s >= 20_000_000),
        "load_seconds": round(time.time() - t0, 1),
    }
    json.dump(summary, sys.stdout)
    print()


def fetch_meta(port, user, password):
    """{(folder, Message-ID): (flags, INTERNALDATE, RFC822.SIZE)} for a whole mailbox."""
    c = Conn(port, user, password)

    def command(line):
        """Send one command; return its untagged responses, literals inlined as bytes."""
        c.n += 1
        tag = f"s{c.n}".encode()
        c.sock.sendall(tag + b" " + line.encode() + b"\r\n")
        out = []
        while True:
            resp = c.r.readline()
            # A response may carry literals: {n} at the end of a line, then n bytes.
            while True:
                mt = re.search(rb"\{(\d+)\}\r\n$", resp)
                if not mt:
                    break
                resp += c.r.read(int(mt.group(1))) + c.r.readline()
            if resp.startswith(tag + b" "):
                if not resp.startswith(tag + b" OK"):
                    raise RuntimeError(f"{line!r} -> {resp.strip()!r}")
                return out
            out.append(resp)

    names = []
    for line in command('LIST "" "*"'):
        mt = re.match(rb'\* LIST \(([^)]*)\) \S+ (.*)\r\n$', line)
        if mt and b"\\Noselect" not in mt.group(1) and b"\\NonExistent" not in mt.group(1):
            names.append(mt.group(2).decode())
    meta = {}
    for name in names:
        exists = [re.match(rb"\* (\d+) EXISTS", l) for l in command(f"EXAMINE {name}")]
        if not any(m and int(m.group(1)) for m in exists):
            continue  # FETCH 1:* is an error in an empty folder
        for line in command("FETCH 1:* (FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"):
            if b" FETCH " not in line:
                continue
            flags = re.search(rb"FLAGS \(([^)]*)\)", line).group(1).decode().split()
            flags = tuple(sorted(f for f in flags if f != "\\Recent"))
            date = re.search(rb'INTERNALDATE "([^"]+)"', line).group(1).decode()
            size = int(re.search(rb"RFC822\.SIZE (\d+)", line).group(1))
            mid = re.search(rb"Message-ID:\s*(<[^>]+>)", line, re.I)
            meta[(name.strip('"'), mid.group(1).decode() if mid else None)] = (flags, date, size)
    c.cmd("LOGOUT")
    return meta


def cmd_compare(args):
    """Compare two mailboxes message by message (by folder and Message-ID): flags,
    INTERNALDATE and size. Prints a summary line and examples; with --strict, exits 1 if
    anything differs."""
    a = fetch_meta(args.port, args.user, args.password)
    b = fetch_meta(args.port_b, args.user_b, args.password)
    diff = {"missing": 0, "extra": 0, "flags": 0, "internaldate": 0, "size": 0}
    examples = []
    for key, (flags, date, size) in a.items():
        if key not in b:
            diff["missing"] += 1
            examples.append(f"missing {key}")
            continue
        bf, bd, bs = b[key]
        for what, x, y in (("flags", flags, bf), ("internaldate", date, bd), ("size", size, bs)):
            if x != y:
                diff[what] += 1
                examples.append(f"{what} {key}: {x} -> {y}")
    diff["extra"] = sum(1 for key in b if key not in a)
    # First line for the report, then a few examples for whoever digs.
    print(f"of {len(a)} messages: " + ", ".join(f"{v} {k}" for k, v in diff.items()) + " differ")
    for e in examples[:5]:
        print("  e.g. " + e)
    if args.strict and any(diff[k] for k in ("missing", "extra", "flags", "internaldate", "size")):
        sys.exit(1)


def cmd_count(args):
    """Messages and octets in a mailbox, by STATUS over plain IMAP (independent of any
    tool's own report, to check what really arrived)."""
    c = Conn(args.port, args.user, args.password)
    c.n += 1
    c.sock.sendall(f"s{c.n} LIST \"\" \"*\"\r\n".encode())
    names = []
    while True:
        line = c.r.readline().decode("utf-8", "replace").rstrip("\r\n")
        if line.startswith(f"s{c.n} "):
            break
        mt = re.match(r'\* LIST \(([^)]*)\) \S+ (.*)$', line)
        if mt and "\\Noselect" not in mt.group(1) and "\\NonExistent" not in mt.group(1):
            names.append(mt.group(2))
    msgs = size = 0
    for name in names:
        c.n += 1
        # STATUS SIZE is a Dovecot extension (X-SIZE) in 2.3.
        c.sock.sendall(f"s{c.n} STATUS {name} (MESSAGES X-SIZE)\r\n".encode())
        while True:
            line = c.r.readline().decode("utf-8", "replace")
            if line.startswith(f"s{c.n} "):
                break
            mm = re.search(r"MESSAGES (\d+)", line)
            ms = re.search(r"X-SIZE (\d+)", line)
            msgs += int(mm.group(1)) if mm else 0
            size += int(ms.group(1)) if ms else 0
    c.cmd("LOGOUT")
    print(json.dumps({"messages": msgs, "bytes": size, "folders": len(names)}))


def cmd_cpu(args):
    """Print CPU seconds used so far by each Dovecot instance whose master pid file is
    given (the masters, every live descendant, and, through cutime/cstime,
    every descendant already reaped: imap processes live for one connection), then CPU
    seconds used by the whole machine since boot. Differences between two calls give
    Dovecot's share of a run, and how much unrelated work ran at the same time."""
    hz = os.sysconf("SC_CLK_TCK")
    procs = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            stat = open(f"/proc/{pid}/stat").read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        # fields[1] is ppid; fields[11..14] are utime, stime, cutime, cstime.
        procs[int(pid)] = (int(fields[1]), sum(int(x) for x in fields[11:15]))
    totals = []
    for pidfile in args.pidfiles:
        total, seen = 0, set()
        stack = [int(open(pidfile).read().split()[0])]
        while stack:
            pid = stack.pop()
            if pid in seen or pid not in procs:
                continue
            seen.add(pid)
            total += procs[pid][1]
            stack += [c for c, (pp, _) in procs.items() if pp == pid]
        totals.append(total)
    cpu = open("/proc/stat").readline().split()
    machine = sum(int(cpu[i]) for i in (1, 2, 3, 6, 7, 8))  # user nice system irq softirq steal
    print(" ".join(f"{t / hz:.2f}" for t in totals + [machine]))


# ---------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------


def parse_time_v(path):
    """Wall seconds, peak RSS (MB) and CPU seconds from GNU time -v output."""
    out = {}
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            parts = [float(p) for p in line.rsplit(" ", 1)[1].split(":")]
            secs = 0.0
            for p in parts:
                secs = secs * 60 + p
            out["wall"] = secs
        elif line.startswith("Maximum resident set size"):
            out["rss_mb"] = int(line.rsplit(" ", 1)[1]) / 1024
        elif line.startswith("User time"):
            out["user"] = float(line.rsplit(" ", 1)[1])
        elif line.startswith("System time"):
            out["sys"] = float(line.rsplit(" ", 1)[1])
    return out


def run_row(name, d):
    """Figures of one run from its dir (time.txt, cpu.txt, count.json)."""
    t = parse_time_v(os.path.join(d, "time.txt"))
    count = json.load(open(os.path.join(d, "count.json")))
    src_cpu, dst_cpu, machine_cpu = (float(x) for x in open(os.path.join(d, "cpu.txt")).read().split())
    wall = t["wall"]
    client_cpu = t.get("user", 0) + t.get("sys", 0)
    return {
        "name": name,
        "msgs": count["messages"],
        "mb": count["bytes"] / 1e6,
        "wall": wall,
        "mps": count["messages"] / wall if wall else 0,
        "mbps": count["bytes"] / 1e6 / wall if wall else 0,
        "rss": t.get("rss_mb", 0),
        "cpu": client_cpu,
        "src": src_cpu,
        "dst": dst_cpu,
        "unrelated": max(0.0, machine_cpu - src_cpu - dst_cpu - client_cpu),
    }


def cmd_report(args):
    """One row per kind of run given as NAME=DIR[,DIR...] (one DIR per round); a row shows
    the fastest round, since on a shared machine slower rounds are slower because of other
    work. Prints the table, every round's time, and the mailferry/other ratios (msg/s)."""
    rows, rounds = [], {}
    for spec in args.runs:
        name, dirs = spec.split("=", 1)
        all_rows = [run_row(name, d) for d in dirs.split(",")]
        rounds[name] = [r["wall"] for r in all_rows]
        rows.append(min(all_rows, key=lambda r: r["wall"]))
    hdr = (
        f"{'run':<26} {'messages':>8} {'MB':>6} {'seconds':>7} {'msg/s':>6} {'MB/s':>5} {'RSS MB':>6} "
        f"{'CPU s: tool':>11} {'src Dovecot':>11} {'dst Dovecot':>11}"
    )
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        print(
            f"{r['name']:<26} {r['msgs']:>8} {r['mb']:>6.1f} {r['wall']:>7.2f} {r['mps']:>6.0f} "
            f"{r['mbps']:>5.1f} {r['rss']:>6.1f} {r['cpu']:>11.2f} {r['src']:>11.2f} {r['dst']:>11.2f}"
        )
    for r in rows:
        # Other people's builds or tests on the same 2 cores make a run slower than it is.
        # (The machine's count also covers the 0.5 s run.sh waits after each run.)
        if r["unrelated"] > 0.15 * (r["wall"] + 0.5) and r["unrelated"] > 0.3:
            print(f"WARNING: {r['unrelated']:.1f} CPU s of unrelated work ran during '{r['name']}': its figures are pessimistic")
    if any(len(v) > 1 for v in rounds.values()):
        print(f"fastest of {max(len(v) for v in rounds.values())} rounds; every round's seconds:")
        for name, walls in rounds.items():
            print(f"  {name:<26} " + "  ".join(f"{w:.2f}" for w in walls))
    first = next((r for r in rows if r["name"].startswith("mailferry (first")), None)
    if first:
        for r in rows:
            if r is not first and not r["name"].startswith("mailferry") and r["mps"]:
                print(f"ratio mailferry / {r['name'].split()[0]} (messages/s): {first['mps'] / r['mps']:.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ports")
    s.add_argument("count", type=int)
    s.set_defaults(fn=cmd_ports)
    s = sub.add_parser("wait")
    s.add_argument("port", type=int)
    s.add_argument("--timeout", type=float, default=30)
    s.set_defaults(fn=cmd_wait)
    s = sub.add_parser("cpu")
    s.add_argument("pidfiles", nargs="+")
    s.set_defaults(fn=cmd_cpu)
    for name, fn in (("load", cmd_load), ("count", cmd_count)):
        s = sub.add_parser(name)
        s.add_argument("--port", type=int, required=True)
        s.add_argument("--user", required=True)
        s.add_argument("--password", required=True)
        s.add_argument("--messages", type=int, default=10000)
        s.add_argument("--seed", type=int, default=20240601)
        s.add_argument("--workers", type=int, default=3)
        s.set_defaults(fn=fn)
    s = sub.add_parser("compare")
    s.add_argument("--port", type=int, required=True)
    s.add_argument("--user", required=True)
    s.add_argument("--port-b", type=int, required=True)
    s.add_argument("--user-b", required=True)
    s.add_argument("--password", required=True)
    s.add_argument("--strict", action="store_true")
    s.set_defaults(fn=cmd_compare)
    s = sub.add_parser("report")
    s.add_argument("runs", nargs="+")
    s.set_defaults(fn=cmd_report)
    args = p.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
