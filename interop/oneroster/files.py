"""The OneRoster CSV binding, versions 1.1 and 1.2: files, columns and vocabularies.

From the IMS Global / 1EdTech OneRoster CSV Tables specifications.  A column
list holds every column either version defines for the file (1.2 added some
and moved a user's role and organizations to ``roles.csv``); ``REQUIRED``
the ones a file must carry in every version this module reads.
"""

from __future__ import annotations

__all__ = [
    "MANIFEST",
    "COLUMNS",
    "REQUIRED",
    "IMPORTED_FILES",
    "VERSIONS",
    "SESSION_TYPES",
    "ORG_TYPES",
    "CLASS_TYPES",
    "USER_ROLES",
    "SCHOOL_LEADER_ROLES",
    "ENROLLMENT_ROLES",
    "STATUSES",
    "MODES",
]

MANIFEST = "manifest.csv"

#: ``oneroster.version`` values read.
VERSIONS = ("1.1", "1.2")

#: Values of a manifest's ``file.*`` properties.
MODES = ("bulk", "delta", "absent")

#: Values of ``status``: blank in a bulk file, ``active`` or ``tobedeleted`` in a delta.
STATUSES = ("", "active", "tobedeleted")

_COMMON = ("sourcedId", "status", "dateLastModified")

COLUMNS: dict[str, tuple[str, ...]] = {
    "academicSessions.csv": _COMMON + ("title", "type", "startDate", "endDate", "parentSourcedId", "schoolYear"),
    "orgs.csv": _COMMON + ("name", "type", "identifier", "parentSourcedId"),
    "courses.csv": _COMMON
    + (
        "schoolYearSourcedId",
        "title",
        "courseCode",
        "grades",
        "orgSourcedId",
        "subjects",
        "subjectCodes",
        "resourceSourcedIds",
    ),
    "classes.csv": _COMMON
    + (
        "title",
        "grades",
        "courseSourcedId",
        "classCode",
        "classType",
        "location",
        "schoolSourcedId",
        "termSourcedIds",
        "subjects",
        "subjectCodes",
        "periods",
        "resourceSourcedIds",
    ),
    "users.csv": _COMMON
    + (
        "enabledUser",
        "orgSourcedIds",
        "role",
        "username",
        "userIds",
        "givenName",
        "familyName",
        "middleName",
        "identifier",
        "email",
        "sms",
        "phone",
        "agentSourcedIds",
        "grades",
        "password",
        "userMasterIdentifier",
        "resourceSourcedIds",
        "preferredGivenName",
        "preferredMiddleName",
        "preferredFamilyName",
        "primaryOrgSourcedId",
        "pronouns",
    ),
    "enrollments.csv": _COMMON
    + ("classSourcedId", "schoolSourcedId", "userSourcedId", "role", "primary", "beginDate", "endDate"),
    "demographics.csv": _COMMON
    + (
        "birthDate",
        "sex",
        "americanIndianOrAlaskaNative",
        "asian",
        "blackOrAfricanAmerican",
        "nativeHawaiianOrOtherPacificIslander",
        "white",
        "demographicRaceTwoOrMoreRaces",
        "hispanicOrLatinoEthnicity",
        "countryOfBirthCode",
        "stateOfBirthAbbreviation",
        "cityOfBirth",
        "publicSchoolResidenceStatus",
    ),
    "roles.csv": _COMMON
    + ("userSourcedId", "roleType", "role", "beginDate", "endDate", "orgSourcedId", "userProfileSourcedId"),
    "userProfiles.csv": _COMMON
    + (
        "userSourcedId",
        "profileType",
        "vendorId",
        "applicationId",
        "description",
        "credentialType",
        "username",
        "password",
    ),
}

REQUIRED: dict[str, frozenset[str]] = {
    "academicSessions.csv": frozenset({"sourcedId", "title", "type", "startDate", "endDate", "schoolYear"}),
    "orgs.csv": frozenset({"sourcedId", "name", "type"}),
    "courses.csv": frozenset({"sourcedId", "title", "orgSourcedId"}),
    "classes.csv": frozenset(
        {"sourcedId", "title", "courseSourcedId", "classType", "schoolSourcedId", "termSourcedIds"}
    ),
    # role and orgSourcedIds: in users.csv in 1.1, in roles.csv in 1.2 (checked by the reader)
    "users.csv": frozenset({"sourcedId", "enabledUser", "username", "givenName", "familyName"}),
    "enrollments.csv": frozenset({"sourcedId", "classSourcedId", "schoolSourcedId", "userSourcedId", "role"}),
    "demographics.csv": frozenset({"sourcedId"}),
    "roles.csv": frozenset({"sourcedId", "userSourcedId", "roleType", "role", "orgSourcedId"}),
    "userProfiles.csv": frozenset({"sourcedId", "userSourcedId", "profileType", "vendorId", "credentialType"}),
}

#: The files read, in the order they are imported; other files of the specification are noted and skipped.
IMPORTED_FILES = tuple(COLUMNS)

SESSION_TYPES = ("schoolYear", "semester", "term", "gradingPeriod")
ORG_TYPES = ("department", "school", "district", "local", "state", "national")
CLASS_TYPES = ("homeroom", "scheduled")

#: OneRoster roles (1.1 and 1.2) and the masterycat login each one gets (None: no login).
USER_ROLES: dict[str, str | None] = {
    "student": "student",
    "teacher": "teacher",
    "aide": "teacher",
    "administrator": "admin",
    "districtAdministrator": "admin",
    "systemAdministrator": "admin",
    # school-level staff but the principal: an admin login sees the whole district,
    # so they get none rather than too much
    "siteAdministrator": None,
    # a principal: a teacher login leading the schools among its orgs (SCHOOL_LEADER_ROLES)
    "principal": "teacher",
    "counselor": None,
    "proctor": None,
    "guardian": "guardian",
    "parent": "guardian",
    "relative": "guardian",
}

#: OneRoster roles whose users lead the schools among their orgs (a teacher login with a school-wide view).
SCHOOL_LEADER_ROLES = frozenset({"principal"})

#: Enrollment roles and how a class takes them (None: not imported).
ENROLLMENT_ROLES: dict[str, str | None] = {
    "student": "student",
    "teacher": "teacher",
    "aide": "aide",
    "administrator": None,
    "proctor": None,
    "guardian": None,
    "parent": None,
    "relative": None,
}
