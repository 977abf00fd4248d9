"""Shared by the web app tests: the address the test client speaks to.

The app answers only to this machine's names (a DNS-rebinding guard), so the
test client must not use Starlette's default ``testserver`` host.
"""

BASE = "http://127.0.0.1"
