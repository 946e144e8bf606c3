#!/usr/bin/env python3
"""What a group commit writes to SQLite's WAL per event, by table: the journal's rows and the digests' upserts.

  tools/Engagement.Load/wal-pages.py [--customers 10000] [--history 20] [--group 200] [--digest-share 0.1] [--journal-sql FILE]

A fresh file with the engine's own schema (Storage/Sql/Sqlite/10-journal.sql and 11-population.sql, or another
journal layout from --journal-sql), filled with --history rows for each of --customers customers and their digests;
then commits of --group rows for random customers, each followed by a commit of the digests of a --digest-share
of those customers, with the WAL's growth measured after each. A WAL frame is one whole page, so this counts the
B-tree pages each event dirties: a deterministic figure for comparing layouts, unlike CPU on a shared machine.
"""
import argparse, os, random, sqlite3, tempfile

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'Storage', 'Sql', 'Sqlite')
a = argparse.ArgumentParser()
a.add_argument('--customers', type=int, default=10000); a.add_argument('--history', type=int, default=20)
a.add_argument('--group', type=int, default=200); a.add_argument('--digest-share', type=float, default=0.1)
a.add_argument('--commits', type=int, default=50); a.add_argument('--page-size', type=int, default=4096)
a.add_argument('--journal-sql', default=os.path.join(root, '10-journal.sql'))
args = a.parse_args()
random.seed(1)
path = os.path.join(tempfile.mkdtemp(prefix='wal-pages-'), 'engagement.db')
db = sqlite3.connect(path, isolation_level=None)
db.execute(f'PRAGMA page_size = {args.page_size}'); db.execute('PRAGMA journal_mode = WAL')
db.execute('PRAGMA wal_autocheckpoint = 0'); db.execute('PRAGMA cache_size = -65536')
# SQLite's own ALTER TABLE has no IF NOT EXISTS (the engine's schema runner handles it)
db.executescript((open(args.journal_sql).read() + open(os.path.join(root, '11-population.sql')).read()).replace('ADD COLUMN IF NOT EXISTS', 'ADD COLUMN'))
INSERT = ("INSERT INTO engagement_journal (customer_id, seq, event_id, event_type, channel, occurred_at, recorded_at, payload) "
          "VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (customer_id, event_id) DO NOTHING")
cols = ('first_purchase_day', 'last_purchase_day', 'purchase_days', 'total_spend', 'mean_repeat_spend', 'stage', 'tier', 'segments',
        'due_at', 'team', 'name', 'name_key', 'email_key', 'id_number', 'clv', 'churn_risk', 'expected_loss')
UPSERT = (f"INSERT INTO engagement_customer_digest (customer_id, bucket, {', '.join(cols)}) VALUES ({', '.join('?' * (len(cols) + 2))}) "
          f"ON CONFLICT (customer_id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in cols)}")
seq = [0] * args.customers
instant = '2026-12-03T15:00:00.1234567Z'
payload = '{"amount":12.5,"currency":"USD","sku":"sku-1234","quantity":1,"note":"abcdefgh"}'  # ~65 bytes, as measured

def row(k):
    seq[k] += 1
    return (f'cust-{k:07d}', seq[k], f'evt-{random.getrandbits(64):016x}', 'purchase', 'web', instant, instant, payload)

def digest(k):
    v = seq[k]
    return (f'cust-{k:07d}', k % 1024, 740000, 740000 + v, v, 10.0 * v, 12.0, 'Active', 'B', 'vip', 1790000000000 + v * 1000 + k,
            'north', f'Name {k}', f'name {k}', f'n{k}@example.com', str(k), 100.0 + v, 0.1, 10.0 + v)

db.execute('BEGIN')
for _ in range(args.history):
    for k in range(args.customers): db.execute(INSERT, row(k))
for k in range(args.customers): db.execute(UPSERT, digest(k))
db.execute('COMMIT'); db.execute('PRAGMA wal_checkpoint(TRUNCATE)')
wal = lambda: os.path.getsize(path + '-wal') if os.path.exists(path + '-wal') else 0
frame = args.page_size + 24
journal = digests = 0
for _ in range(args.commits):
    keys = [random.randrange(args.customers) for _ in range(args.group)]
    w0 = wal(); db.execute('BEGIN')
    for k in keys: db.execute(INSERT, row(k))
    db.execute('COMMIT'); w1 = wal(); db.execute('BEGIN')
    for k in set(keys):
        if random.random() < args.digest_share: db.execute(UPSERT, digest(k))
    db.execute('COMMIT'); w2 = wal()
    journal += (w1 - w0) / frame; digests += (w2 - w1) / frame
events = args.commits * args.group
print(f"{args.customers} customers x {args.history} rows, groups of {args.group}, digests for {args.digest_share:.0%} of events, "
      f"{args.page_size} B pages: journal {journal / events:.2f} pages ({journal * frame / events / 1024:.1f} KiB) per event, "
      f"digests {digests / events:.2f} pages ({digests * frame / events / 1024:.1f} KiB) per event")
