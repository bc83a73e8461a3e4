"""LTI roles as masterycat roles."""

from __future__ import annotations

import pytest

from itembank.lti import role_from_lti

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    "roles,expected",
    [
        ([LIS + "membership#Learner"], "student"),
        ([LIS + "membership#Instructor"], "teacher"),
        ([LIS + "membership/Instructor#TeachingAssistant"], "teacher"),
        ([LIS + "institution/person#Administrator", LIS + "membership#Instructor"], "admin"),
        ([LIS + "institution/person#Student", LIS + "membership#Learner", LIS + "system/person#User"], "student"),
        (["Instructor"], "teacher"),
        (["Learner"], "student"),
        ([LIS + "membership#Mentor"], None),
        ([LIS + "institution/person#Student"], None),  # an institution role alone says nothing of this course
        (["http://example.org/roles#Instructor"], None),  # not the LIS vocabulary
        ([], None),
    ],
)
def test_roles(roles, expected):
    assert role_from_lti(roles) == expected
