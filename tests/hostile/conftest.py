"""The hostile suite shares the archive tests' fake archive."""

from tests.archive.conftest import _fake

__all__ = ["_fake"]
