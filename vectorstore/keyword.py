"""BM25 over jieba tokens in SQLite FTS5, persisted beside Chroma.

Whitespace tokenisation scores zero on Chinese, so texts are cut with jieba's search mode (which also emits the
sub-words of long compounds: 扫黑除恶 → 扫黑, 除恶, 扫黑除恶) and FTS5 indexes those tokens, joined by spaces.

Why SQLite FTS5 (bench/scale.py measures it beside a JSON file + rank-bm25, bm25s and tantivy on the same chunks):
it is in the standard library, a document's rows are one transaction (a kill -9 leaves the previous state, never a
half-written file), a write costs O(the document) instead of rewriting the whole index, another process's commit is
visible to the next query without reloading anything (WAL), and BM25 is ranked in C.  A ``keyword.json`` left by
an older version is imported once and then removed.
"""
from __future__ import annotations

import json
import math
import re
import sqlite3
import threading
from pathlib import Path

# Tokens are a text rule (ingest/text/tokens.py: jieba and the stop words); re-exported for the index's callers.
from ingest.text.tokens import quiet_jieba, tokenize  # noqa: F401

# Metadata the keyword ranking can be filtered on (vectorstore.hybrid.FILTER_KEYS), one column each.
COLUMNS = ("doc_id", "section_type", "report_title", "org", "year")
# Characters that may sit inside a jieba token (12.5%, 2023-2024, 110/12345): FTS5 must not split there.
# Words held by more than this share of the chunks are left out of the keyword match (see KeywordIndex.search).
COMMON = 0.5
# FTS5's bm25() costs ~4 µs per matching row: the rarest words of a query are matched until they reach this many
# rows (at 100k chunks: p95 ≈ 60 ms, ~0.9 of the exact top 5; a library under ~30k chunks is always exact).
MATCH_BUDGET = 30_000
_TOKENCHARS = ".%-+/:#&@_·．％"
_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS chunks(id INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE,
  {", ".join(f"{c} {'INTEGER' if c == 'year' else 'TEXT'}" for c in COLUMNS)});
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5(tokens, tokenize="unicode61 remove_diacritics 0 tokenchars '{_TOKENCHARS}'");
CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(terms, row);
CREATE TABLE IF NOT EXISTS info(key TEXT PRIMARY KEY, value TEXT);
"""


def terms(text: str) -> list[str]:
    """The tokens as FTS5 stores them: no inner whitespace, no double quote (the query syntax's quote)."""
    return [t for t in (re.sub(r'[\s"]+', "", t) for t in tokenize(text)) if t]


def _idf(n_docs: int, df: int) -> float:
    """Okapi BM25's idf (the one FTS5's bm25() uses), floored at 0: a word in over half the chunks says nothing."""
    return max(math.log((n_docs - df + 0.5) / (df + 0.5)), 0.0) if n_docs else 0.0


class KeywordIndex:
    """Chunk tokens and filterable metadata in one SQLite file (``keyword.sqlite``); BM25 by FTS5.

    One connection per thread (the app answers on several); writers are serialised by the index's file lock and by
    SQLite itself; readers never block on a writer (WAL) and see each committed document at their next query.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._local = threading.local()
        with self._conn() as db:
            db.executescript(_SCHEMA)
        self._migrate(self.path.with_name("keyword.json"))

    def _conn(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=60, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # the manifest entry written after us must not outlive our rows
            self._local.db = db
        return db

    def _write(self):
        """A write transaction taken at once (BEGIN IMMEDIATE): either all of it is committed or none."""
        return _Transaction(self._conn())

    def _migrate(self, legacy: Path) -> None:
        """Import the chunks of a ``keyword.json`` written by the previous version, once, then remove it."""
        if not legacy.exists():
            return
        entries = json.loads(legacy.read_text(encoding="utf-8"))
        with self._write() as db:
            if db.execute("SELECT 1 FROM info WHERE key='migrated'").fetchone() is None:
                for chunk_id, entry in entries.items():
                    self._insert(db, chunk_id, " ".join(entry["tokens"]), entry["meta"])
                db.execute("INSERT INTO info VALUES('migrated', ?)", (str(legacy),))
        legacy.unlink(missing_ok=True)

    @staticmethod
    def _insert(db: sqlite3.Connection, chunk_id: str, tokens: str, meta: dict) -> None:
        old = db.execute("SELECT id FROM chunks WHERE chunk_id=?", (chunk_id,)).fetchone()
        if old:
            db.execute("DELETE FROM terms WHERE rowid=?", old)
            db.execute("DELETE FROM chunks WHERE id=?", old)
        row = db.execute(f"INSERT INTO chunks(chunk_id, {', '.join(COLUMNS)}) VALUES(?{', ?' * len(COLUMNS)})",
                         (chunk_id, *(meta.get(c) for c in COLUMNS))).lastrowid
        db.execute("INSERT INTO terms(rowid, tokens) VALUES(?, ?)", (row, tokens))

    # --- writes ------------------------------------------------------------------------------------------
    def add(self, ids: list[str], texts: list[str], metadatas: list[dict]) -> None:
        """Add (or replace) chunks in one transaction: a crash leaves none of them."""
        self.add_tokens(ids, [terms(t) for t in texts], metadatas)  # jieba outside the transaction

    def add_tokens(self, ids: list[str], tokens: list[list[str]], metadatas: list[dict]) -> None:
        """Add chunks already cut by :func:`terms` (a benchmark reuses them across index sizes)."""
        with self._write() as db:
            for chunk_id, toks, meta in zip(ids, tokens, metadatas):
                self._insert(db, chunk_id, " ".join(toks), meta)

    def delete_doc(self, doc_id: str) -> int:
        with self._write() as db:
            rows = db.execute("SELECT id FROM chunks WHERE doc_id=?", (doc_id,)).fetchall()
            db.executemany("DELETE FROM terms WHERE rowid=?", rows)
            db.execute("DELETE FROM chunks WHERE doc_id=?", (doc_id,))
        return len(rows)

    # --- reads -------------------------------------------------------------------------------------------
    def doc_ids(self) -> set[str]:
        return {d for (d,) in self._conn().execute("SELECT DISTINCT doc_id FROM chunks")}

    def count(self) -> int:
        return self._conn().execute("SELECT count(*) FROM chunks").fetchone()[0]

    def chunk_ids(self, doc_id: str | None = None) -> list[str]:
        """The chunk ids held (of one document), sorted: what consistency checks compare with the vector store."""
        if doc_id is None:
            return [c for (c,) in self._conn().execute("SELECT chunk_id FROM chunks ORDER BY chunk_id")]
        return [c for (c,) in self._conn().execute("SELECT chunk_id FROM chunks WHERE doc_id=? ORDER BY chunk_id",
                                                    (doc_id,))]

    def tokens(self, chunk_id: str) -> list[str]:
        row = self._conn().execute("SELECT t.tokens FROM chunks c JOIN terms t ON t.rowid = c.id WHERE c.chunk_id=?",
                                   (chunk_id,)).fetchone()
        return row[0].split() if row else []

    def _stats(self, words: list[str]) -> tuple[int, dict[str, int]]:
        """Chunks in the index, and how many of them hold each word (absent words left out)."""
        db = self._conn()
        version = db.execute("PRAGMA data_version").fetchone()[0]  # changes when another connection commits
        if getattr(self._local, "version", None) != version:
            self._local.version, self._local.n = version, self.count()
        unique = list(dict.fromkeys(words))
        df = dict(db.execute(f"SELECT term, doc FROM vocab WHERE term IN ({', '.join('?' * len(unique))})", unique)
                  ) if unique else {}
        return self._local.n, df

    def idf(self, words: list[str]) -> dict[str, float]:
        """Okapi idf of each word over the whole index (0 for a word no chunk holds)."""
        n, df = self._stats(words)
        return {t: _idf(n, df[t]) if t in df else 0.0 for t in dict.fromkeys(words)}

    def coverage(self, query: str, chunk_id: str) -> float:
        """IDF-weighted share of the query's words that occur in a chunk (0–1).

        The hybrid search trusts the keyword ranking as much as its best hit covers the question: a paraphrase
        ("陈年旧案" for "时间跨度大…已过追诉期") matches no rare word, and its BM25 list is then mostly noise.
        """
        weights = self.idf(terms(query))
        total = sum(weights.values())
        if not total:
            return 0.0
        found = set(self.tokens(chunk_id))
        return sum(w for t, w in weights.items() if t in found) / total

    def search(self, query: str, k: int, filters: dict[str, list] | None = None) -> list[tuple[str, float]]:
        """Top ``k`` (chunk_id, BM25 score), best first; ``filters`` maps metadata keys (COLUMNS) to allowed values.

        A long ``doc_id`` list (the index passes every completed document) is applied to the ranked rows rather than
        spelled out in SQL.
        """
        words = terms(query)
        if not words or k <= 0:
            return []
        # A word in over half the chunks adds nothing to FTS5's bm25 (its idf is clamped to ~0) but makes it score
        # every chunk holding it (at 100k chunks "扫黑除恶" or "工作" are tens of thousands of rows): it is left out,
        # unless a tiny library leaves nothing else.  Then the rarest words are kept until MATCH_BUDGET rows: a
        # chunk holding none of them rarely belongs in the top k, and scoring every row of a common word is what
        # takes the time.
        n, df = self._stats(words)
        useful = {t for t in words if 0 < df.get(t, 0) <= n * COMMON} or {t for t in words if t in df}
        chosen, rows = set(), 0
        for t in sorted(useful, key=lambda t: (df[t], t)):
            if chosen and rows + df[t] > MATCH_BUDGET:
                break
            chosen.add(t)
            rows += df[t]
        if not chosen:
            return []
        match = " OR ".join(f'"{t}"' for t in words if t in chosen)
        clauses, params, keep = [], [], None
        for key, values in (filters or {}).items():
            if key not in COLUMNS:
                raise ValueError(f"unknown keyword filter {key!r}")
            if key == "doc_id" and len(values) > 200:
                keep = set(values)
                continue
            clauses.append(f"c.{key} IN ({', '.join('?' * len(values))})")
            params.extend(values)
        sql = ("SELECT c.chunk_id, c.doc_id, bm25(terms) AS s FROM terms JOIN chunks c ON c.id = terms.rowid "
               f"WHERE terms MATCH ?{''.join(' AND ' + c for c in clauses)} ORDER BY s LIMIT ?")
        limit = k if keep is None else 2 * k + 10
        while True:
            rows = self._conn().execute(sql, (match, *params, limit)).fetchall()
            hits = [(cid, -score) for cid, doc, score in rows if keep is None or doc in keep][:k]
            if len(hits) == k or len(rows) < limit:
                return hits
            limit *= 4


class _Transaction:
    def __init__(self, db: sqlite3.Connection):
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")
