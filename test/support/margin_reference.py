"""Margins recomputed from the files finance holds, independently of e2-ledger's TypeScript: the
daily usage CSVs, the month's invoice register, the cost card, and each account's creation day.
Exact rational arithmetic (fractions.Fraction) and integer minor units; the rules are the ones the
margin report states (its method lines), written again from those words.

Usage: python3 margin_reference.py <input.json>  where input.json is
  {"month": "YYYY-MM", "costCard": {...}, "usageCsvs": [paths], "registerCsv": path,
   "created": {"email": "YYYY-MM-DD"}}
Prints {"rows": {email: {column: value}}, "totals": {...}} with money as "12.34" strings.
"""

import calendar
import csv
import io
import json
import sys
from datetime import date, timedelta
from fractions import Fraction

UNIT_BYTES = {"GB": 10**9, "TB": 10**12, "GiB": 2**30, "TiB": 2**40}


def read_csv(path):
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(io.StringIO(f.read())))


def half_up(x, places=2):
    """Half away from zero, to `places` decimals, as an exact Fraction."""
    scale = 10**places
    n = abs(x) * scale
    whole = int(n)
    if n - whole >= Fraction(1, 2):
        whole += 1
    return Fraction(whole if x >= 0 else -whole, scale)


def money(x):
    cents = int(half_up(x) * 100)
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def largest_remainder(total, weights):
    """total in cents (int); weights Fractions; equal split when all weights are 0."""
    if not weights:
        return []
    if sum(weights) == 0:
        weights = [Fraction(1)] * len(weights)
    s = sum(weights)
    exact = [Fraction(total) * w / s for w in weights]
    floors = [int(e) for e in exact]
    left = total - sum(floors)
    order = sorted(range(len(exact)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def replay_newest_first(series, minimum_days, starts_empty):
    """series: [(day, disk, uploaded)]; returns [(day, bytes, remaining_days)] of deletions."""
    cohorts = []  # [stored_day or None, bytes], newest at the end
    out = []
    previous = 0
    for i, (day, disk, up) in enumerate(series):
        if i == 0 and not starts_empty:
            if disk > 0:
                cohorts.append([None, disk])
            previous = disk
            continue
        if up > 0:
            cohorts.append([day, up])
        change = previous + up - disk
        if change < 0:
            cohorts.append([day, -change])
        gone = max(0, change)
        while gone > 0 and cohorts:
            stored, size = cohorts[-1]
            taken = min(size, gone)
            age = None if stored is None else (date.fromisoformat(day) - date.fromisoformat(stored)).days
            remaining = 0 if age is None else max(0, minimum_days - age)
            out.append((day, taken, remaining))
            cohorts[-1][1] -= taken
            gone -= taken
            if cohorts[-1][1] == 0:
                cohorts.pop()
        previous = disk
    return out


def main():
    spec = json.load(open(sys.argv[1]))
    card = spec["costCard"]
    year, mon = map(int, spec["month"].split("-"))
    n_days = calendar.monthrange(year, mon)[1]
    first = date(year, mon, 1)
    last = date(year, mon, n_days)
    lookback = first - timedelta(days=card["minimumStorageDays"])
    month_days = {(first + timedelta(days=i)).isoformat() for i in range(n_days)}

    series, disk_sum, downloaded, existed = {}, {}, {}, set()
    for path in spec["usageCsvs"]:
        for row in read_csv(path):
            day, email = row["date"], row["email"]
            if not (lookback.isoformat() <= day <= last.isoformat()):
                continue
            disk, up, down = int(row["disk_used_bytes"]), int(row["uploaded_bytes"]), int(row["downloaded_bytes"])
            series.setdefault(email, []).append((day, disk, up))
            if day in month_days:
                disk_sum[email] = disk_sum.get(email, 0) + disk
                downloaded[email] = downloaded.get(email, 0) + down
                if row["usage_source"] == "api":
                    existed.add(email)

    revenue = {}
    for row in read_csv(spec["registerCsv"]):
        revenue[row["email"]] = revenue.get(row["email"], Fraction(0)) + Fraction(row["subtotal"])

    emails = sorted(set(revenue) | existed)
    unit = UNIT_BYTES[card["storage"]["unit"]]
    price = Fraction(card["storage"]["unitPrice"])
    avg = {e: Fraction(disk_sum.get(e, 0), n_days) for e in emails}
    at_price = [avg[e] / unit * price for e in emails]
    storage_total = int(half_up(max(sum(at_price), Fraction(card["storage"]["monthlyMinimum"]))) * 100)
    storage = largest_remainder(storage_total, at_price)

    deleted = []
    for e in emails:
        s = sorted(series.get(e, []))
        created = spec["created"].get(e)
        starts_empty = bool(s) and created is not None and created >= s[0][0]
        cost = Fraction(0)
        for day, size, remaining in replay_newest_first(s, card["minimumStorageDays"], starts_empty):
            if day in month_days and remaining > 0:
                cost += Fraction(size * remaining, n_days) / unit * price
        deleted.append(int(half_up(cost) * 100))

    accounts = [e for e in emails if e in existed]
    billable = max(0, len(accounts) - card["users"]["freeUsers"])
    fee_total = int(half_up(Fraction(card["users"]["yearlyFeePerUser"]) * billable / 12) * 100)
    fees = largest_remainder(fee_total, [Fraction(1 if e in existed else 0) for e in emails])

    egress = card["egress"]
    if egress["billing"] == "free":
        egress_shares = [0] * len(emails)
    else:
        ratio = Fraction(egress["freeRatio"])
        excess = [max(Fraction(0), downloaded.get(e, 0) - ratio * avg[e]) for e in emails]
        billable_bytes = max(Fraction(0), sum(downloaded.get(e, 0) for e in emails) - ratio * sum(avg.values()))
        egress_total = int(half_up(billable_bytes / UNIT_BYTES[egress["unit"]] * Fraction(egress["unitPrice"])) * 100)
        egress_shares = largest_remainder(egress_total, excess)

    rows = {}
    for i, e in enumerate(emails):
        rev = revenue.get(e, Fraction(0))
        costs = [storage[i], deleted[i], fees[i], egress_shares[i]]
        total = Fraction(sum(costs), 100)
        margin = rev - total
        rows[e] = {
            "revenue": money(rev),
            "storage_cost": money(Fraction(storage[i], 100)),
            "deleted_storage_cost": money(Fraction(deleted[i], 100)),
            "user_fee_cost": money(Fraction(fees[i], 100)),
            "egress_cost": money(Fraction(egress_shares[i], 100)),
            "total_cost": money(total),
            "margin": money(margin),
            "margin_pct": "" if rev == 0 else money(margin / rev * 100),
            "negative_margin": "true" if margin < 0 else "false",
        }
    print(json.dumps({"rows": rows}))


if __name__ == "__main__":
    main()
