"""CPU per case of ``opentrm generate_data`` (issue 18), split between the generating processes
and the PostgreSQL backends that serve them, beside the wall time and the load average.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/opentrm_gen PYTHONPATH=. \
        python bench/bench_generate.py --cases 20000 --seed 18 [--jobs 2]

The database must be migrated. The backends' CPU is read from ``/proc/<pid>/stat`` (the server
runs on this machine) for every backend connected to the database, sampled twice a second, so
the backends of ``--jobs`` processes are counted too. On a shared machine the wall time follows
the load; the CPU a case does much less, and gives the rate of a quiet 2-core machine:
``2 / CPU a case`` for two jobs, ``1 / CPU a case`` at worst for one (the process and its backend
run at once, but each waits on the other at the end of every COPY).
"""

import argparse
import os
import sys
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "opentrm.config.settings")

TICKS = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


class Backends(threading.Thread):
    """The CPU the database's backends spend, sampled until stopped (own connection)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        import psycopg

        self.connection = psycopg.connect(url, autocommit=True)
        self.own = self.connection.info.backend_pid
        self.start_cpu = self._sample()
        self.last = dict(self.start_cpu)
        self.done = threading.Event()

    def _sample(self) -> dict[int, float]:
        rows = self.connection.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> %s",
            [self.own],
        ).fetchall()
        found = {}
        for (pid,) in rows:
            cpu = _cpu(pid)
            if cpu is not None:
                found[pid] = cpu
        return found

    def run(self) -> None:
        while not self.done.wait(0.5):
            self.last.update(self._sample())

    def seconds(self) -> float:
        self.done.set()
        self.join()
        self.last.update(self._sample())
        return sum(cpu - self.start_cpu.get(pid, 0.0) for pid, cpu in self.last.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args()
    url = os.environ["DATABASE_URL"]

    import django

    django.setup()
    from django.db import connection

    from opentrm.cases.generator import generate

    connection.ensure_connection()
    load_before = os.getloadavg()
    backends = Backends(url)
    backends.start()
    extra = {"jobs": args.jobs} if args.jobs != 1 else {}  # the version before had no jobs
    done = generate(cases=args.cases, seed=args.seed, batch=args.batch, **extra)
    server = backends.seconds()
    load_after = os.getloadavg()
    per_case = (done.cpu_seconds + server) / done.cases * 1000
    print(
        f"{done.cases} cases, jobs {args.jobs}: {done.seconds:.1f} s wall, "
        f"{done.rate:.0f} cases/s; "
        f"CPU: generating processes {done.cpu_seconds:.1f} s, PostgreSQL backends {server:.1f} s, "
        f"{per_case:.3f} ms a case ({done.cpu_seconds / done.cases * 1000:.3f} + "
        f"{server / done.cases * 1000:.3f}); quiet 2-core machine: about "
        f"{2000 / per_case:.0f} cases/s with two jobs, at least {1000 / per_case:.0f} with one; "
        f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
    )


if __name__ == "__main__":
    main()
