"""bench/lists.py: the floors, the best SQL one can write for each page's answer."""

# The floors are SQL text assembled from this file's own fragments; values are parameters.
# ruff: noqa: S608

from __future__ import annotations

import re
from dataclasses import dataclass

# Imported by bench/lists.py, which puts the project on sys.path first.
from bench.list_region import PAGE_SIZE, Facts

# -- the floors: the best SQL for each page's answer -----------------------------------------------

# The cases shared with authority %(a)s by a share in force (models/scoping/).
SHARED = """ARRAY(SELECT s.case_id FROM case_share s JOIN consent k ON k.id = s.consent_id
    WHERE s.authority_id = %(a)s AND s.access IN ('read', 'write') AND s.revoked_on IS NULL
      AND k.given_on <= %(today)s
      AND (k.withdrawn_on IS NULL OR k.withdrawn_on > %(today)s)
      AND (k.valid_until IS NULL OR k.valid_until >= %(today)s)
      AND EXISTS (SELECT 1 FROM consent_authority r
                  WHERE r.consent_id = k.id AND r.authority_id = %(a)s))"""
SHARED_CLIENTS = f'ARRAY(SELECT client_id FROM "case" WHERE id = ANY({SHARED}))'


@dataclass
class Floor:
    """Statements run in order; ``count``/``rows`` index the ones a check compares, and
    ``key`` is the column of ``rows`` the page is sorted by."""

    statements: list[tuple[str, dict]]
    count: int | None = None
    rows: int | None = None
    key: int | None = None
    kind: str = "list"
    limit: int | None = None  # the count's cap, as the page's


def _count(own: str, shared: str, limit: int | None) -> str:
    capped = f"{own} LIMIT {limit + 1}" if limit is not None else own
    return f"SELECT (SELECT count(*) FROM ({capped}) o) + (SELECT count(*) FROM ({shared}) s)"


@dataclass(frozen=True)
class ListPage:
    """What a list page shows of the rows of its page ``p``: the ``shown`` columns, with
    the ``joins`` (table and alias → condition) that name its references, sorted by
    ``order``. The page itself holds every column of ``p`` that these name."""

    order: str
    shown: str
    joins: dict[str, str]

    @property
    def columns(self) -> str:
        names = re.findall(r"\bp\.(\w+)", " ".join((self.shown, *self.joins.values())))
        return ", ".join(f"c.{name}" for name in dict.fromkeys(names))

    @property
    def key(self) -> int:
        """The position among the shown columns of the one the page is sorted by."""
        shown = [column.strip() for column in self.shown.split(",")]
        return shown.index(f"p.{self.order.split()[0]}")

    def rows(self, page: str) -> str:
        joins = "".join(f"\nLEFT JOIN {table} ON {on}" for table, on in self.joins.items())
        return f"SELECT {self.shown}\nFROM {page} p{joins}\nORDER BY p.{self.order}"


def _own_and_shared_floor(
    params: dict,
    limit: int | None,
    source: str,
    shared_ids: str,
    condition: str,
    sql: ListPage,
    page: int = 0,
    shared: tuple[str, str] | None = None,
) -> Floor:
    """A list page of the own authority's rows of ``source`` (aliased ``c``) and those
    shared with it: the count, and the page's rows as ``sql`` shows them. ``shared`` is
    another (source, condition) for the shared rows, where a few rows are better joined."""
    shared_source, shared_condition = shared or (source, condition)
    own = f"FROM {source} WHERE c.authority_id = %(a)s AND ({condition})"
    shared = (
        f"FROM {shared_source} WHERE c.id = ANY({shared_ids}) AND c.authority_id <> %(a)s "
        f"AND ({shared_condition})"
    )
    columns, order = sql.columns, sql.order
    offset = f" OFFSET {page * PAGE_SIZE}" if page else ""
    rows = sql.rows(
        f"""((SELECT {columns} {own} ORDER BY c.{order} LIMIT {(page + 1) * PAGE_SIZE})
      UNION ALL (SELECT {columns} {shared})
      ORDER BY {order} LIMIT {PAGE_SIZE}{offset})"""
    )
    count = _count(f"SELECT 1 {own}", f"SELECT 1 {shared}", limit)
    return Floor([(count, params), (rows, params)], count=0, rows=1, key=sql.key, limit=limit)


CASE_LIST = ListPage(
    "opened_on DESC",
    "p.id, p.number, cl.family_name, cl.given_names, cl.number, p.status, u.display_name, "
    "p.opened_on, ar.name",
    {
        "client cl": "cl.id = p.client_id",
        '"user" u': "u.id = p.caseworker_id AND u.authority_id = %(a)s",
        "access_route ar": "ar.id = p.access_route_id",
    },
)
CLIENT_LIST = ListPage(
    "family_name",
    "p.id, p.number, p.family_name, p.given_names, p.birth_date, p.nationality, rs.name, "
    "p.residence_valid_until, m.name",
    {
        "residence_status rs": "rs.id = p.residence_status_id",
        "municipality m": "m.id = p.municipality_id",
    },
)


def case_list_floor(
    facts: Facts, params: dict, condition="TRUE", page=0, search=False, shared=None
) -> Floor:
    limit = facts.search_limit if search else facts.list_limit
    return _own_and_shared_floor(
        params, limit, '"case" c', SHARED, condition, CASE_LIST, page, shared
    )


# A search of the case list: the case number, or the client's name or number. The own cases'
# clients are the own authority's, found on its trigram indexes first; the few shared cases
# are joined to their clients.
CASE_SEARCH = (
    "c.number ILIKE %(pattern)s OR c.client_id = ANY(ARRAY(SELECT cl.id FROM client cl "
    "WHERE cl.authority_id = %(a)s AND (cl.family_name ILIKE %(pattern)s "
    "OR cl.number ILIKE %(pattern)s)))"
)
CASE_SEARCH_SHARED = (
    '"case" c JOIN client cl ON cl.id = c.client_id',
    "c.number ILIKE %(pattern)s OR cl.family_name ILIKE %(pattern)s OR cl.number ILIKE %(pattern)s",
)


def client_list_floor(facts: Facts, params: dict, condition="TRUE", search=False) -> Floor:
    limit = facts.search_limit if search else facts.list_limit
    return _own_and_shared_floor(params, limit, "client c", SHARED_CLIENTS, condition, CLIENT_LIST)


def referral_list_floor(facts: Facts, params: dict) -> Floor:
    columns = (
        "r.id, r.case_id, r.agency_id, r.need_area_id, r.status, r.sent_on, r.follow_up_on, "
        "r.answered_on"
    )
    own = "FROM referral r WHERE r.authority_id = %(a)s"
    shared = f"FROM referral r WHERE r.case_id = ANY({SHARED}) AND r.authority_id <> %(a)s"
    rows = f"""
SELECT p.id, c.number, ag.name, na.name, p.status, p.sent_on, p.follow_up_on, p.answered_on
FROM ((SELECT {columns} {own} ORDER BY r.follow_up_on LIMIT {PAGE_SIZE})
      UNION ALL (SELECT {columns} {shared})
      ORDER BY follow_up_on LIMIT {PAGE_SIZE}) p
LEFT JOIN "case" c ON c.id = p.case_id
LEFT JOIN agency ag ON ag.id = p.agency_id
LEFT JOIN need_area na ON na.id = p.need_area_id
ORDER BY p.follow_up_on"""
    count = _count(f"SELECT 1 {own}", f"SELECT 1 {shared}", facts.list_limit)
    return Floor([(count, params), (rows, params)], count=0, rows=1, key=6, limit=facts.list_limit)


def followups_floor(params: dict, mine: bool) -> Floor:
    """The five lists of services/followups.py, for the own authority's open cases."""
    scope = "c.authority_id = %(a)s AND c.status = ANY(%(open)s) AND c.archived_at IS NULL" + (
        " AND c.caseworker_id = %(me)s" if mine else ""
    )
    statements = [
        # A caseworker's few cases first; for the whole authority, one index range per
        # status (authority_id, status, due_on), merged in due order.
        f"""SELECT m.id, m.due_on, m.description, c.id, c.number FROM measure m
            JOIN "case" c ON c.id = m.case_id
            WHERE {scope} AND m.archived_at IS NULL
              AND m.status IN ('planned', 'in_progress') AND m.due_on <= %(soon)s
            ORDER BY m.due_on LIMIT 200"""
        if mine
        else f"""SELECT m.id, m.due_on, m.description, c.id, c.number
            FROM ((SELECT id, due_on, description, case_id FROM measure
                   WHERE authority_id = %(a)s AND status = 'planned' AND due_on <= %(soon)s
                     AND archived_at IS NULL ORDER BY due_on)
                  UNION ALL
                  (SELECT id, due_on, description, case_id FROM measure
                   WHERE authority_id = %(a)s AND status = 'in_progress'
                     AND due_on <= %(soon)s AND archived_at IS NULL ORDER BY due_on)) m
            JOIN "case" c ON c.id = m.case_id
            WHERE {scope} ORDER BY m.due_on LIMIT 200""",
        f"""SELECT r.id, r.follow_up_on, r.reason, c.id, c.number FROM referral r
            JOIN "case" c ON c.id = r.case_id
            WHERE {scope} AND r.authority_id = %(a)s AND r.archived_at IS NULL
              AND r.status = 'sent' AND r.answered_on IS NULL AND r.follow_up_on <= %(today)s
            ORDER BY r.follow_up_on LIMIT 200""",
        f"""SELECT g.id, g.target_date, g.description, c.id, c.number FROM goal g
            JOIN "case" c ON c.id = g.case_id
            WHERE {scope} AND g.authority_id = %(a)s AND g.archived_at IS NULL
              AND g.status IN ('open', 'in_progress') AND g.target_date < %(today)s
            ORDER BY g.target_date LIMIT 200""",
        f"""SELECT cl.id, cl.residence_valid_until, c.id, c.number FROM client cl
            JOIN "case" c ON c.client_id = cl.id
            WHERE {scope} AND cl.authority_id = %(a)s
              AND cl.residence_valid_until <= %(permit)s
            ORDER BY cl.residence_valid_until LIMIT 200""",
        f"""SELECT c.id, c.number, coalesce(l.last_on, c.opened_on) AS since FROM "case" c
            LEFT JOIN LATERAL (SELECT max(a.occurred_on) AS last_on FROM activity a
                               WHERE a.case_id = c.id) l ON true
            WHERE {scope} AND coalesce(l.last_on, c.opened_on) < %(silent)s
            ORDER BY since LIMIT 200""",
    ]
    return Floor([(sql, params) for sql in statements], kind="followups")


def _audit_read(kind: str, page: str) -> str:
    return f"""INSERT INTO audit_event (at, user_id, authority_id, action, object_type,
        object_id, changes, remote_addr)
        VALUES (now(), %(u)s, %(a)s, 'read', '{kind}', %(id)s, '{{"page": "{page}"}}',
                '127.0.0.1')"""


def _history(kind: str) -> str:
    return f"""SELECT e.id, e.at, e.action, e.changes, u.display_name FROM audit_event e
        LEFT JOIN "user" u ON u.id = e.user_id AND u.authority_id = %(a)s
        WHERE e.object_type = '{kind}' AND e.object_id = %(id)s AND e.authority_id = %(a)s
        ORDER BY e.at DESC, e.id DESC LIMIT 50"""


def case_file_floor(facts: Facts, params: dict) -> Floor:
    params = {**params, "id": facts.big_case, "client": facts.big_client}
    statements = [
        f"""SELECT c.*, cl.*, rs.name, u.display_name, ar.name, cr.name FROM "case" c
            JOIN client cl ON cl.id = c.client_id
            LEFT JOIN residence_status rs ON rs.id = cl.residence_status_id
            LEFT JOIN "user" u ON u.id = c.caseworker_id AND u.authority_id = %(a)s
            LEFT JOIN access_route ar ON ar.id = c.access_route_id
            LEFT JOIN closure_reason cr ON cr.id = c.closure_reason_id
            WHERE c.id = %(id)s AND (c.authority_id = %(a)s OR c.id = ANY({SHARED}))""",
        _audit_read("case", "case.details_view"),
        """SELECT k.*, ARRAY(SELECT ag.name FROM consent_agency x JOIN agency ag
                             ON ag.id = x.agency_id WHERE x.consent_id = k.id)
            FROM consent k WHERE k.client_id = %(client)s AND k.authority_id = %(a)s
            ORDER BY k.given_on DESC""",
        """SELECT n.*, na.name FROM need n JOIN need_area na ON na.id = n.need_area_id
            WHERE n.case_id = %(id)s""",
        """SELECT g.*, na.name FROM goal g LEFT JOIN need_area na ON na.id = g.need_area_id
            WHERE g.case_id = %(id)s ORDER BY g.id""",
        """SELECT m.*, ag.name, mt.name FROM measure m
            LEFT JOIN agency ag ON ag.id = m.agency_id
            LEFT JOIN measure_type mt ON mt.id = m.measure_type_id
            WHERE m.case_id = %(id)s ORDER BY m.goal_id, m.id""",
        """SELECT r.*, ag.name, na.name FROM referral r JOIN agency ag ON ag.id = r.agency_id
            LEFT JOIN need_area na ON na.id = r.need_area_id
            WHERE r.case_id = %(id)s ORDER BY r.id""",
        """SELECT * FROM activity WHERE case_id = %(id)s ORDER BY occurred_on DESC""",
        """SELECT f.*, ARRAY(SELECT ag.name FROM case_conference_agency x JOIN agency ag
                             ON ag.id = x.agency_id WHERE x.case_conference_id = f.id)
            FROM case_conference f WHERE f.case_id = %(id)s ORDER BY f.held_on DESC""",
        """SELECT s.*, au.name FROM case_share s JOIN authority au ON au.id = s.authority_id
            WHERE s.case_id = %(id)s ORDER BY s.granted_on DESC""",
        """SELECT * FROM evaluation WHERE case_id = %(id)s LIMIT 1""",
        """SELECT count(done_at), count(*), count(*) FILTER (WHERE required AND done_at IS NULL)
            FROM case_checklist_item WHERE case_id = %(id)s""",
        """SELECT id, name FROM need_area WHERE active ORDER BY position""",
        """SELECT id, name FROM closure_reason WHERE active ORDER BY position""",
        _history("case"),
    ]
    return Floor([(sql, params) for sql in statements], kind="case file")


def client_details_floor(facts: Facts, params: dict) -> Floor:
    params = {**params, "id": facts.big_client}
    statements = [
        f"""SELECT cl.*, rs.name, tg.name, m.name FROM client cl
            LEFT JOIN residence_status rs ON rs.id = cl.residence_status_id
            LEFT JOIN target_group tg ON tg.id = cl.target_group_id
            LEFT JOIN municipality m ON m.id = cl.municipality_id
            WHERE cl.id = %(id)s
              AND (cl.authority_id = %(a)s OR cl.id = ANY({SHARED_CLIENTS}))""",
        _audit_read("client", "client.details_view"),
        """SELECT k.*,
                  ARRAY(SELECT au.name FROM consent_authority x JOIN authority au
                        ON au.id = x.authority_id WHERE x.consent_id = k.id),
                  ARRAY(SELECT ag.name FROM consent_agency x JOIN agency ag
                        ON ag.id = x.agency_id WHERE x.consent_id = k.id)
            FROM consent k WHERE k.client_id = %(id)s AND k.authority_id = %(a)s
            ORDER BY k.given_on DESC""",
        _history("client"),
    ]
    return Floor([(sql, params) for sql in statements], kind="client")
