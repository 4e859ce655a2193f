"""The roles of the access matrix and the answers a request may get."""

import dataclasses
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse

# One user per role; objects of the matrix belong to mission locale A and Cnam site X.
ANON = "anonymous"
COUNSELLOR_A = "counsellor of ML A"
COUNSELLOR_B = "counsellor of ML B"
MANAGER_A = "manager of ML A"
REFERENT_X = "referent of site X"
REFERENT_Y = "referent of site Y"
REGIONAL = "regional admin of X's region"
STEERING = "steering"
STAFF = "staff"

ROLES = (ANON, COUNSELLOR_A, COUNSELLOR_B, MANAGER_A, REFERENT_X, REFERENT_Y, REGIONAL, STEERING, STAFF)

# Groups, usable as keys of an expectation.
EVERYONE = ROLES
SIGNED_IN = ROLES[1:]
ML_A = (COUNSELLOR_A, MANAGER_A)
ML = (COUNSELLOR_A, COUNSELLOR_B, MANAGER_A)
CNAM_X = (REFERENT_X, REGIONAL)
CNAM = (REFERENT_X, REFERENT_Y, REGIONAL)
DASHBOARD_READERS = (MANAGER_A, REGIONAL, STEERING)
OTHERS = "every role not named"


@dataclasses.dataclass(frozen=True)
class Redirect:
    """A 302 to a page (URL name); ``login=True``: to a login page that brings the user back."""

    to: str
    login: bool = False

    def mismatch(self, response, url: str) -> str | None:
        location = response.get("Location", "")
        if response.status_code != 302:
            return f"answered {response.status_code}, expected a redirection to {self.to}"
        parts = urlsplit(location)
        if parts.path != reverse(self.to):
            return f"redirected to {location}, expected {self.to}"
        if self.login and parse_qs(parts.query).get("next") != [url]:
            return f"redirected to {location}: the login page would not bring the user back to {url}"
        return None

    def __str__(self):
        return "302 → " + ("login" if self.to == "accounts:login" else self.to)


LOGIN = Redirect("accounts:login", login=True)
ADMIN_LOGIN = Redirect("admin:login", login=True)


def mismatch(expected, response, url: str) -> str | None:
    """Why the response is not the expected answer (a status code or a Redirect), or None."""
    if isinstance(expected, Redirect):
        return expected.mismatch(response, url)
    if response.status_code != expected:
        return f"answered {response.status_code}, expected {expected}"
    return None


def expect(spec: dict) -> dict:
    """``{ANON: LOGIN, ML_A: 200, OTHERS: 404}`` → one answer per role. Keys are roles or groups of
    roles; OTHERS covers the roles not named. A role named twice, or left without answer, is an error."""
    answers = {}
    for key, answer in spec.items():
        if key == OTHERS:
            continue
        for role in key if isinstance(key, tuple) else (key,):
            if role not in ROLES:
                raise ValueError(f"unknown role {role!r}")
            if role in answers:
                raise ValueError(f"{role} has two expected answers")
            answers[role] = answer
    for role in ROLES:
        if role not in answers:
            if OTHERS not in spec:
                raise ValueError(f"no expected answer for {role}")
            answers[role] = spec[OTHERS]
    return answers
