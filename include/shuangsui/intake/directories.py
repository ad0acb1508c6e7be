"""The directories (名录库): the enterprise directory (检查对象名录库), the inspector
directory (执法检查人员名录库) and the conflicts of interest (回避关系).

They come in through the intake pipeline (shuangsui.intake.pipeline), which keeps a
history row for every change: the directory of any past moment can be rebuilt
(`directory_as_of`), and a unit that left it is marked not listed, never deleted.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
from sqlalchemy import Connection, or_, select

from shuangsui import db
from shuangsui.core.reference import KEYS


def listed_keys(conn: Connection) -> tuple[set[str], set[str]]:
    """The inspector ids and the USCCs listed now: what conflicts and results refer to."""
    inspectors = set(
        conn.execute(select(db.inspector.c.inspector_id).where(db.inspector.c.listed)).scalars()
    )
    enterprises = set(
        conn.execute(select(db.enterprise.c.uscc).where(db.enterprise.c.listed)).scalars()
    )
    return inspectors, enterprises


def directory_as_of(
    conn: Connection, entity: str, moment: dt.datetime, **equal: object
) -> pd.DataFrame:
    """The directory as it stood at `moment` (listed rows only), rebuilt from history;
    `equal` narrows it in SQL, e.g. department="危险化学品监管科"."""
    hist = db.HISTORY[entity]
    cols = [hist.c[c] for c in (*KEYS[entity], *db.ATTRS[entity])]
    q = (
        select(*cols)
        .where(
            hist.c.valid_from <= moment,
            or_(hist.c.valid_to.is_(None), hist.c.valid_to > moment),
            hist.c.listed,
            *[hist.c[k] == v for k, v in equal.items()],
        )
        .order_by(*[hist.c[k] for k in KEYS[entity]])
    )
    return pd.read_sql(q, conn)
