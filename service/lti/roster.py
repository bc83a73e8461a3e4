"""Names and Role Provisioning: a course's members brought into its class.

:func:`sync_context` runs after a launch (at most every ``SYNC_EVERY``) and
on demand from the admin's page: new learners are enrolled (their logins
made), learners who left the course leave the class with their history
kept (:func:`itembank.lti.apply_membership`).
"""

from __future__ import annotations

import logging

from sqlalchemy.engine import Engine
from sqlmodel import Session

from itembank.errors import NotFound
from itembank.lti import LtiContextLink, LtiPlatform, apply_membership
from service.lti.platform_client import PlatformRefused, PlatformUnavailable, fetch_members

__all__ = ["sync_context", "RosterUnavailable"]

logger = logging.getLogger("masterycat.lti")


class RosterUnavailable(Exception):
    """The course's members could not be read from the platform (the message says why)."""


def sync_context(engine: Engine, context_link_id: int) -> tuple[int, int]:
    """Sync one course's members into its class; (enrolled, unenrolled).

    Raises
    ------
    NotFound
        No such course link.
    RosterUnavailable
        The course has no membership service, or the platform could not be read.
    """
    with Session(engine, expire_on_commit=False) as session:
        context = session.get(LtiContextLink, context_link_id)
        if context is None:
            raise NotFound(f"no LMS course link {context_link_id}")
        platform = session.get(LtiPlatform, context.platform_id)
        if not context.memberships_url or platform is None:
            raise RosterUnavailable("the LMS has not offered this course's membership service (NRPS) in a launch yet")
        try:
            members = fetch_members(session, platform, context.memberships_url)
        except (PlatformUnavailable, PlatformRefused) as err:
            logger.warning("LTI roster sync of course link %s failed: %s", context_link_id, err)
            raise RosterUnavailable(str(err)) from None
        counts = apply_membership(session, platform, context, members)
        session.commit()
    logger.info("LTI roster sync of course link %s: %s enrolled, %s unenrolled", context_link_id, *counts)
    return counts


def sync_quietly(engine: Engine, context_link_id: int) -> None:
    """:func:`sync_context` after a launch: a failure is logged, the launch already answered."""
    try:
        sync_context(engine, context_link_id)
    except (RosterUnavailable, NotFound):
        pass
    except Exception:  # noqa: BLE001 - a background sync must not take the worker down
        logger.exception("LTI roster sync of course link %s failed", context_link_id)
