#!/usr/bin/env python3
"""Discrete-event simulation of the many-accounts stream (docs/performance.md, tim-client (b)).

Models what bounds `Contacts::for_accounts` on the demo data set: a limiter handing out send
slots 1/rate apart in queue order, a fixed latency per answer, at most C requests in flight, and
each account's pages strictly one after the other (a cursor is known only after the previous
page). It compares scheduling policies over the demo data in natural order and in other orders,
printing the overall rate (calls / time of the last answer) of each.

Policies (3 tie-breaks x 2 orders of work x with or without a priority limiter):
  * first: all first pages before any later page ("discover" every list early), or
    deep: later pages of open walks first, a new account only when none is ready;
  * among ready walks, the one with the most pages done first; ties by account order (fifo),
    reverse order (lifo) or at random;
  * prio: the limiter's queue is ordered by the same key instead of arrival.
Only the ideas are modelled (no retries, no jitter). Run: python3 docs/sim/many_accounts_schedule.py
"""
import heapq
import itertools
import random


def pages_of(n):
    """Pages of userNNNN in the demo data (crates/tim-emulator/src/demo.rs), 100 per page."""
    length = 1000 + (n // 100 - 1) * 100 if n % 100 == 0 else (n * 7919) % 211
    return max(1, -(-length // 100))


def simulate(accounts, concurrency, rate, key, first_pages_first, prio, latency=0.05):
    interval = 1 / rate
    n = len(accounts)
    next_account, done, ready = 0, {}, []
    in_flight, now, next_slot = 0, 0.0, 0.0
    answers, queue, seq = [], [], itertools.count()

    def choose():
        nonlocal next_account
        if first_pages_first and next_account < n:
            a = next_account
            next_account += 1
            done[a] = 0
            return a
        if ready:
            ready.sort(key=lambda a: key(a, done))
            return ready.pop(0)
        if next_account < n:
            a = next_account
            next_account += 1
            done[a] = 0
            return a
        return None

    while True:
        while in_flight < concurrency:
            a = choose()
            if a is None:
                break
            in_flight += 1
            heapq.heappush(queue, (key(a, done) if prio else 0, next(seq), a))
        times = []
        if queue:
            times.append(max(next_slot, now))
        if answers:
            times.append(answers[0][0])
        if not times:
            break
        now = min(times)
        if answers and answers[0][0] <= now:
            _, a = heapq.heappop(answers)
            in_flight -= 1
            done[a] += 1
            if done[a] >= accounts[a]:
                del done[a]
            else:
                ready.append(a)
            continue
        _, _, a = heapq.heappop(queue)
        next_slot = now + interval
        heapq.heappush(answers, (now + latency, a))
    return sum(accounts) / now


def main():
    base = [pages_of(n) for n in range(1, 1001)]
    rng = random.Random(1)
    orders = {"natural": base, "reversed": base[::-1]}
    for i in range(3):
        shuffled = base[:]
        rng.shuffle(shuffled)
        orders[f"shuffled {i}"] = shuffled
    ties = {}

    def tie(a, done, how):
        if how == "fifo":
            return (-done[a], a)
        if how == "lifo":
            return (-done[a], -a)
        return (-done[a], ties.setdefault(a, rng.random()))

    print(f"{sum(base)} calls; overall calls/s per order")
    for rate in (196.0,):
        for concurrency in (16, 32):
            for how in ("fifo", "lifo", "random"):
                for first in (True, False):
                    for prio in (False, True):
                        key = lambda a, d, how=how: tie(a, d, how)
                        rates = [simulate(o, concurrency, rate, key, first, prio) for o in orders.values()]
                        name = f"C={concurrency} {how:6} {'first' if first else 'deep '} {'prio' if prio else '    '}"
                        print(name, " ".join(f"{r:6.1f}" for r in rates))
    print("orders:", ", ".join(orders))


if __name__ == "__main__":
    main()
