"""The node's password hash: argon2id with parameters for a 2-core node (issue 18).

Django's defaults (``time_cost=2``, ``memory_cost=102400`` KiB, ``parallelism=8``) cost about
200 ms of CPU a hash on this machine (8 lanes on 2 cores): 5-7 logins a second at most, a
queue at 9 a.m. These are OWASP's first recommended argon2id setting (Password Storage Cheat
Sheet: m=19 MiB, t=2, p=1), memory-hard still, about 25 ms of CPU a hash (docs/deployment.md,
"Passwords"). The algorithm name stays ``argon2``: hashes made with the old parameters verify
as before, and Django rehashes them with these at the member's next login (``must_update``).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class NodeArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19456  # KiB
    parallelism = 1
