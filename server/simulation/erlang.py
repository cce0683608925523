"""Erlang C: the M/M/c queue in theory, to check the simulator (and the core) against."""
from __future__ import annotations

import math


def erlang_c(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Probability that an arriving customer has to wait (all ``servers`` busy).

    ``arrival_rate`` λ and ``service_rate`` μ (per server) in the same unit of time.
    """
    a = arrival_rate / service_rate  # offered load in erlangs
    if servers <= 0 or a >= servers:
        return 1.0
    # the Erlang B recursion is numerically stable for any number of servers
    b = 1.0
    for k in range(1, servers + 1):
        b = a * b / (k + a * b)
    rho = a / servers
    return b / (1.0 - rho * (1.0 - b))


def mean_wait(servers: int, arrival_rate: float, service_rate: float) -> float:
    """Mean time in the queue, W_q = C(c, a) / (cμ − λ), in the unit of the rates."""
    if arrival_rate >= servers * service_rate:
        return math.inf
    return erlang_c(servers, arrival_rate, service_rate) / (servers * service_rate - arrival_rate)


def wait_share_within(servers: int, arrival_rate: float, service_rate: float, t: float) -> float:
    """P(W_q ≤ t) = 1 − C · e^{−(cμ − λ) t}."""
    return 1.0 - erlang_c(servers, arrival_rate, service_rate) * math.exp(-(servers * service_rate - arrival_rate) * t)
