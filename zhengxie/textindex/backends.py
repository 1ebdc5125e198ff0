"""The token index itself: FTS5 on SQLite, tsvector + GIN on PostgreSQL, one interface.

Both store the application's tokens (see `tokens.py`) and answer the same boolean queries:
all text tokens required, either in the title only or anywhere, AND a scope expression over
filter tokens (committee, kind, session, state, category, unit, audience). Results come newest
first (highest document id first), which both engines can stream without ranking every match.

Users never write query syntax: queries are built from our own tokens, which contain only letters
and digits, and are quoted for each engine. Typed quotes, NEAR, *, ^, AND/OR are just text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection

# A scope expression: a list of alternatives, each a list of tokens that must all be present
# (disjunctive normal form), e.g. [["zc3", "zkproposal"], ["zc3", "zkopinion", "zapublic"]].
Scope = list[list[str]]


def scope_token(prefix: str, value: object) -> str:
    """A filter token such as zc12 (committee 12). Text values are hashed to stay one token."""
    text = str(value)
    if not text.isascii() or not text.isalnum():
        text = hashlib.blake2b(text.encode(), digest_size=6).hexdigest()
    return f"z{prefix}{text.lower()}"


@dataclass(frozen=True)
class Row:
    """What the index holds for one document: token lists per field."""

    doc_id: int
    title: Sequence[str]
    body: Sequence[str]
    scope: Sequence[str]


def _vendor() -> str:
    return connection.vendor


# --- schema (called from migration 0002) -------------------------------------------------------------

SQLITE_SCHEMA = [
    # Contentless: the text lives in textindex_document; detail=column keeps per-column filters
    # (title hits first) at a fraction of the size of full positional detail.
    "CREATE VIRTUAL TABLE IF NOT EXISTS textindex_fts USING fts5("
    "title, body, scope, content='', detail='column', tokenize='unicode61 remove_diacritics 0')",
]
POSTGRES_SCHEMA = [
    # No foreign key to textindex_document: Django's test flush TRUNCATEs the document table and
    # PostgreSQL refuses that while another table references it. The services delete both together.
    "CREATE TABLE IF NOT EXISTS textindex_fts ("
    " doc_id bigint PRIMARY KEY, title tsvector NOT NULL, body tsvector NOT NULL)",
    "CREATE INDEX IF NOT EXISTS textindex_fts_title ON textindex_fts USING gin (title)",
    "CREATE INDEX IF NOT EXISTS textindex_fts_body ON textindex_fts USING gin (body)",
]


def create_schema(schema_editor) -> None:  # type: ignore[no-untyped-def]
    statements = SQLITE_SCHEMA if schema_editor.connection.vendor == "sqlite" else POSTGRES_SCHEMA
    for sql in statements:
        schema_editor.execute(sql)


def drop_schema(schema_editor) -> None:  # type: ignore[no-untyped-def]
    schema_editor.execute("DROP TABLE IF EXISTS textindex_fts")


# --- writes -----------------------------------------------------------------------------------------------


def insert(rows: Iterable[Row]) -> None:
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cur:
        if _vendor() == "sqlite":
            cur.executemany(
                "INSERT INTO textindex_fts(rowid, title, body, scope) VALUES (%s, %s, %s, %s)",
                [(r.doc_id, " ".join(r.title), " ".join(r.body), " ".join(r.scope)) for r in rows],
            )
        else:
            # Our tokens are letters, digits, CJK and the scope mark: quoted, they are tsvector
            # literals as they stand (no quote, backslash, tab or newline to escape).
            copy_rows(
                "textindex_fts",
                ("doc_id", "title", "body"),
                [(r.doc_id, _tsvector_literal(_pg_title(r)), _tsvector_literal(_pg_body(r))) for r in rows],
            )


def _tsvector_literal(tokens: Sequence[str]) -> str:
    return " ".join(f"'{t}'" for t in tokens if "'" not in t and "\\" not in t)


def copy_rows(table: str, columns: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    """Bulk insert: COPY on PostgreSQL (a fraction of the cost of row-by-row INSERTs), executemany on SQLite.

    `table` and `columns` are our own identifiers, never user input.
    """
    if not rows:
        return
    cols = ", ".join(columns)
    with connection.cursor() as cur:
        if _vendor() == "sqlite":
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
            return
        # COPY's text format, written out here rather than row by row through psycopg (ten times
        # faster for the ~50 rows a document has). Our values are numbers and our own tokens; a
        # value that would need escaping goes through psycopg's own writer instead.
        lines = ["\t".join(map(str, row)) for row in rows]
        text = "\n".join(lines) + "\n"
        plain = "\\" not in text and text.count("\t") == len(rows) * (len(columns) - 1)
        plain = plain and text.count("\n") == len(rows)
        with cur.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
            if plain:
                copy.write(text)
            else:
                for row in rows:
                    copy.write_row(row)


def delete(rows: Iterable[Row]) -> None:
    """Remove documents; on SQLite the contentless table needs the tokens it was given."""
    rows = list(rows)
    if not rows:
        return
    with connection.cursor() as cur:
        if _vendor() == "sqlite":
            cur.executemany(
                "INSERT INTO textindex_fts(textindex_fts, rowid, title, body, scope) VALUES ('delete', %s, %s, %s, %s)",
                [(r.doc_id, " ".join(r.title), " ".join(r.body), " ".join(r.scope)) for r in rows],
            )
        else:
            cur.execute("DELETE FROM textindex_fts WHERE doc_id = ANY(%s)", [[r.doc_id for r in rows]])


def drop_orphans(conn) -> None:  # type: ignore[no-untyped-def]
    """Delete PostgreSQL token rows without a document (there is no foreign key; see POSTGRES_SCHEMA).

    SQLite's contentless FTS5 table can only forget a row given its tokens, so it is left alone there.
    """
    if conn.vendor != "postgresql" or "textindex_fts" not in conn.introspection.table_names():
        return
    with conn.cursor() as cur:
        cur.execute(
            "DELETE FROM textindex_fts f WHERE NOT EXISTS (SELECT 1 FROM textindex_document d WHERE d.id = f.doc_id)"
        )


def clear() -> None:
    with connection.cursor() as cur:
        if _vendor() == "sqlite":
            cur.execute("INSERT INTO textindex_fts(textindex_fts) VALUES ('delete-all')")
        else:
            # Not TRUNCATE: it fails when the transaction has already indexed rows (pending deferred
            # foreign-key checks) and would lock searches out until a whole rebuild commits.
            cur.execute("DELETE FROM textindex_fts")


# PostgreSQL keeps filter tokens in the same tsvectors as the text: marked with a character no
# text token contains, so a document whose text says "zapublic" or "zc2" is not thereby public or
# in committee 2 (SQLite keeps them apart in the scope column instead).
_PG_SCOPE_MARK = "#"


def _pg_scope(scope: Sequence[str]) -> list[str]:
    return [_PG_SCOPE_MARK + t for t in scope]


def _pg_title(r: Row) -> list[str]:
    return list(dict.fromkeys([*r.title, *_pg_scope(r.scope)]))


def _pg_body(r: Row) -> list[str]:
    return list(dict.fromkeys([*r.title, *r.body, *_pg_scope(r.scope)]))


# --- reads ------------------------------------------------------------------------------------------------


def _fts5_and(tokens: Sequence[str]) -> str:
    return " AND ".join(f'"{t}"' for t in tokens)


def _fts5_scope(scope: Scope) -> str:
    return " OR ".join(f"({_fts5_and(alt)})" for alt in scope)


def _ts_quote(token: str) -> str:
    return "'" + token.replace("\\", "").replace("'", "''") + "'"


def _tsquery(tokens: Sequence[str], scope: Scope) -> str:
    text = " & ".join(_ts_quote(t) for t in tokens)
    alts = " | ".join("(" + " & ".join(_ts_quote(t) for t in _pg_scope(alt)) + ")" for alt in scope)
    return f"{text} & ({alts})" if text else f"({alts})"


def _date_sql(date_from: object, date_to: object, col: str) -> tuple[str, list[object]]:
    sql, params = "", []
    if date_from or date_to:
        # Correlated, so the token index drives and each hit costs one primary-key lookup.
        sql = f" AND EXISTS (SELECT 1 FROM textindex_document d WHERE d.id = {col}"
        if date_from:
            sql += " AND d.date >= %s"
            params.append(date_from)
        if date_to:
            sql += " AND d.date <= %s"
            params.append(date_to)
        sql += ")"
    return sql, params


def _committee_scoped(scope: Scope) -> bool:
    """Every alternative of the scope is limited to one committee (a few thousand documents at most)."""
    prefix = scope_token("c", 0)[:2]
    return all(any(t.startswith(prefix) for t in alt) for alt in scope)


def _relaxations(tokens: Sequence[str]) -> list[list[str]]:
    """The query with one bigram left out, each way: 电动自行车充电 also finds 电动自行车 … 充电."""
    return [[t for j, t in enumerate(tokens) if j != i] for i in range(len(tokens))]


def search_ids(
    tokens: Sequence[str],
    scope: Scope,
    *,
    where: str,
    limit: int,
    offset: int = 0,
    date_from: object = None,
    date_to: object = None,
) -> list[int]:
    """Ids of documents matching the tokens and the scope, newest first.

    `where` is "title" (every token in the title), "any" (every token anywhere), "body_only"
    (every token, but not all in the title: the tier after title hits) or "relaxed" (all tokens
    but one, and not all of them: the last tier, for a phrase the query ran together).
    """
    if not scope:
        return []
    with connection.cursor() as cur:
        if _vendor() == "sqlite":
            scope_expr = f"({{scope}}: ({_fts5_scope(scope)}))"
            if not tokens:
                match = scope_expr
            elif where == "relaxed":
                alts = " OR ".join(f"({_fts5_and(r)})" for r in _relaxations(tokens))
                match = f"({{title body}}: ({alts})) AND {scope_expr} NOT ({{title body}}: ({_fts5_and(tokens)}))"
            else:
                col = "{title}" if where == "title" else "{title body}"
                match = f"({col}: ({_fts5_and(tokens)})) AND {scope_expr}"
                if where == "body_only":
                    match = f"({match}) NOT ({{title}}: ({_fts5_and(tokens)}))"
            # Qualified: a bare rowid inside the subquery would be the document's own (always equal).
            date_sql, params = _date_sql(date_from, date_to, "textindex_fts.rowid")
            cur.execute(
                "SELECT rowid FROM textindex_fts WHERE textindex_fts MATCH %s" + date_sql
                + " ORDER BY rowid DESC LIMIT %s OFFSET %s",
                [match, *params, limit, offset],
            )
        else:
            query = _tsquery(tokens, scope)
            date_sql, params = _date_sql(date_from, date_to, "textindex_fts.doc_id")
            if where == "title":
                cond = "title @@ %s::tsquery"
                qparams: list[object] = [query]
            elif where == "any":
                cond = "body @@ %s::tsquery"
                qparams = [query]
            elif where == "relaxed" and tokens:
                alts = " | ".join("(" + " & ".join(_ts_quote(t) for t in r) + ")" for r in _relaxations(tokens))
                cond = "body @@ %s::tsquery AND NOT (body @@ %s::tsquery)"
                qparams = [_tsquery([], scope) + f" & ({alts})", query]
            else:
                cond = "body @@ %s::tsquery AND NOT (title @@ %s::tsquery)"
                qparams = [query, query]
            # Within one committee (what every page asks), collect the matches through the GIN index and
            # sort them: ordering by the bare primary key invites a backward walk of the whole table that
            # stops after `limit` hits, which never come soon for a committee whose documents are old
            # (seen at 500,000 documents: 145 ms, 465,000 rows filtered). `doc_id + 0` takes that plan away.
            order = "doc_id + 0" if _committee_scoped(scope) else "doc_id"
            cur.execute(
                f"SELECT doc_id FROM textindex_fts WHERE {cond}{date_sql} ORDER BY {order} DESC LIMIT %s OFFSET %s",
                [*qparams, *params, limit, offset],
            )
        return [row[0] for row in cur.fetchall()]


def count(
    tokens: Sequence[str], scope: Scope, *, where: str, cap: int, date_from: object = None, date_to: object = None
) -> int:
    """How many documents match, counting at most `cap` (a page says "1000+" beyond that)."""
    return len(search_ids(tokens, scope, where=where, limit=cap, date_from=date_from, date_to=date_to))
